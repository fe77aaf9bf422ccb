// eventlite's background jobs on s3lite, in the order its docs show: workers,
// start, then the EventJobProcessor. Jobs are written in the event's transaction.
import { join } from 'node:path';
import { BackgroundJobQueue, EventJobProcessor, initQueue } from 's3lite';
import { tempDir } from '../_temp-dir.mjs';

const dir = tempDir('eventlite-jobs');
process.chdir(dir); // the job queue's default file is data/jobs.sqlite
const eventQueue = initQueue({ dbName: join(dir, 'events.sqlite') });
const jobQueue = new BackgroundJobQueue({ pollInterval: 20 });

const sent = [];
const reports = [];
jobQueue.registerWorker('sendEmail', async (data) => {
  sent.push(`${data.recipient}: ${data.message}`);
});
jobQueue.registerWorker('report', async (data) => {
  reports.push(data.month);
});
jobQueue.start();

const eventJobProcessor = new EventJobProcessor(eventQueue, jobQueue);
eventJobProcessor.onEvent('userRegistered', 'sendEmail', (eventRow) => ({ recipient: eventRow.data.email, message: 'Welcome!' }));

const callbacks = eventJobProcessor.createEventCallback();
eventQueue.store({ cmd: 'userRegistered', data: { email: 'ann@example.com' } }, undefined, callbacks);
eventQueue.store({ cmd: 'userRegistered', data: { email: 'bob@example.com' } }, undefined, callbacks);
jobQueue.addJob('report', { month: '2024-05' }, { priority: 5 });
jobQueue.scheduleJob('report', { month: '2024-06' }, Date.now() + 100);

const deadline = Date.now() + 10_000;
while ((sent.length < 2 || reports.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
console.log('emails sent:', sent.sort());
console.log('reports:', reports.sort());
const stats = jobQueue.getQueueStats();
console.log('jobs in the event file:', eventQueue.db.prepare('SELECT count(*) FROM s3lite_jobs').pluck().get());
console.log('recentCompletion:', stats.recentCompletion.completed, 'completed,', stats.recentCompletion.failed, 'failed; pending', stats.pending);
await jobQueue.close();
eventQueue.close();
