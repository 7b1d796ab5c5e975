// What the notification channels share: the notification as a user writes it, the levels it listens
// to (Spinnaker's), the message a delivery carries, and the one interface every channel implements.
import type { notificationEvents, notificationSchema } from '../api/v1alpha1/common.ts';
import type { DeliveryRecord, NotificationChannel } from '../api/v1alpha1/pipeline-run.ts';
import type { Static } from '../api/schema.ts';

/** A notification as written in a Pipeline's or an Application's spec.notifications. */
export type NotificationSpec = Static<typeof notificationSchema>;

/** Spinnaker's levels: pipeline.starting, stage.failed, manualJudgment... */
export type Level = (typeof notificationEvents)[number];

export type { DeliveryRecord, NotificationChannel };

/** The stage a message is about: the one that moved, or for pipeline.failed the one that failed. */
export interface MessageStage { refId: string; name?: string; type?: string; status: string; message?: string }

/**
 * What a delivery sends, fixed when the event happened (later passes do not change it). The webhook
 * channel posts it as is, with the delivery's id; the others format it.
 */
export interface NotificationMessage {
  event: Level;
  /** When the event was seen (RFC 3339). */
  time: string;
  /** The message: the default text, or the notification's message.text evaluated. */
  text: string;
  run: { name: string; namespace: string; uid: string; pipeline: string; application?: string; phase: string; url?: string };
  stage?: MessageStage;
}

/** What a channel may use while it sends: the notification's Secret, Events on the run, the clock. */
export interface NotifierIO {
  /** The value under the key (defaultKey when secretRef names none) of the delivery's Secret; throws naming the run, Secret and key. */
  secret(d: DeliveryRecord, defaultKey: string, holds: string): Promise<Buffer>;
  /** The delivery's Secret as a whole (e-mail reads several keys); throws naming the run and Secret. */
  secretData(d: DeliveryRecord, holds: string): Promise<Record<string, Buffer>>;
  /** Records an Event on the run, once its status is written. */
  recordEvent(type: 'Normal' | 'Warning', reason: string, message: string): void;
  now(): number;
}

/** One channel. send resolves when the receiver took the message, and throws saying why it did not. */
export interface Notifier {
  readonly channel: NotificationChannel;
  /**
   * Sent in the pass that planned it: nothing leaves the operator before the status naming it is
   * written (an Event is recorded only after that write).
   */
  readonly immediate?: boolean;
  send(d: DeliveryRecord, io: NotifierIO): Promise<void>;
}

/** The message of a delivery record. */
export const messageOf = (d: DeliveryRecord): NotificationMessage => d.message as unknown as NotificationMessage;
