// Seed: "Background Jobs": durable jobs, enqueued in the same transaction as the event (outbox).
import { join } from 'node:path';
import { initQueue, BackgroundJobQueue, EventJobProcessor } from 's3lite';
import { tempDir } from './_temp-dir.mjs';

const eventQueue = initQueue({ dbName: join(tempDir('jobs'), 'events.sqlite') });
const jobQueue = new BackgroundJobQueue({ pollInterval: 20 });
const eventJobProcessor = new EventJobProcessor(eventQueue, jobQueue);

const sent = [];
async function sendEmail(recipient, message) {
  sent.push(`${recipient}: ${message}`);
}
jobQueue.registerWorker('sendEmail', async (data) => {
  await sendEmail(data.recipient, data.message);
});
eventJobProcessor.onEvent('userRegistered', 'sendEmail', (eventRow) => ({
  recipient: eventRow.data.email,
  message: 'Welcome!',
}));
jobQueue.start();
eventQueue.store({ cmd: 'userRegistered', data: { email: 'ann@example.com' } });
const deadline = Date.now() + 5000;
while (sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
console.log('emails sent:', sent);
console.log('jobs:', jobQueue.getQueueStats());
await jobQueue.close();
eventQueue.close();
