/**
 * The page's `nextTurn`: a message on a `MessageChannel` is a task of its own, so the browser may
 * render and handle input before it runs, without the 4 ms clamp of nested `setTimeout`s.
 */
import type * as NodeEventLoop from './event-loop.js';

const waiting: (() => void)[] = [];
let channel: MessageChannel | undefined;

export const nextTurn: typeof NodeEventLoop.nextTurn = () =>
  new Promise<void>((resolve) => {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
