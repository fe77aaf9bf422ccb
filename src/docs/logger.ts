/** The logger lives in core (the events engine logs too); docs code keeps importing it from here. */
export { createLogger, LOG_LEVELS, type Logger, type LogLevel } from '../core/logger.js';
