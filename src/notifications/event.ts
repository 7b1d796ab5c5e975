// Kubernetes Events: the notification's text as an Event on the run (reason Notification; Warning
// for failures and rejections). Nothing leaves the operator, so it is sent in the pass that planned
// it: the Event is recorded only once the status naming the delivery is written.
import { messageOf, type Notifier } from './types.ts';

export const eventNotifier: Notifier = {
  channel: 'event',
  immediate: true,
  async send(d, io) {
    const bad = d.event.endsWith('failed') || d.event === 'manualJudgmentStop';
    io.recordEvent(bad ? 'Warning' : 'Normal', 'Notification', messageOf(d).text);
  },
};
