// What a failed number + key attempt tells the user, shared by the verification form and /status: the uniform
// message, how many tries remain before a pause, and when paused, until when (JST). The counts are per client (and
// per number and client), so they say nothing about whether the number exists.
import type { Formats } from '../../src/i18n/format.js';
import type { Translate } from '../../src/i18n/index.js';

export interface AttemptProps {
  error?: 'no_match' | 'throttled' | 'invalid' | undefined;
  retryAfterSeconds?: number | undefined;
  /** Failures left before a pause, after a wrong key. */
  remaining?: number | undefined;
  /** When the page was answered (epoch ms): a pause ends retryAfterSeconds later. */
  nowMs?: number | undefined;
}

/** The paragraphs of the error summary, or null when there is no error. */
export function attemptMessages(t: Translate, f: Formats, props: AttemptProps): string[] | null {
  if (!props.error) return null;
  if (props.error === 'throttled') {
    const seconds = props.retryAfterSeconds ?? 60;
    if (props.nowMs === undefined) {
      return [t('verify.error.throttled', { minutes: Math.max(1, Math.ceil(seconds / 60)) })];
    }
    // Rounded up to the minute shown, so trying at the time printed never meets the pause again.
    const until = Math.ceil((props.nowMs + seconds * 1000) / 60_000) * 60_000;
    return [t('verify.error.pausedUntil', { time: f.clock(until) }), t('verify.error.pausedHelp')];
  }
  const lines = [t(`verify.error.${props.error}`)];
  if (props.error === 'no_match' && props.remaining !== undefined) {
    lines.push(
      props.remaining > 0 ? t('verify.error.remaining', { count: props.remaining }) : t('verify.error.lastTry'),
    );
  }
  return lines;
}
