/** The part of fs-native-extensions (no types of its own) that file-lock.ts uses. */
declare module 'fs-native-extensions' {
  /** Non-blocking exclusive lock of a byte range (0, 0 = the whole file) on an fd opened for writing; false when held elsewhere. */
  export function tryLock(fd: number, offset?: number, length?: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number, offset?: number, length?: number): void;
}
