// Prompt-injection screening in two stages. Stage 1: rules (injection-rules.ts), tried only where
// their trigger words occur. Stage 2: a logistic-regression model over hashed word and character
// n-grams (injection-features.ts), trained by eval/content/train-injection.mjs and shipped as data
// (model/injection-model.ts). Texts are scored window by window — each line or sentence (a segment,
// at most SEGMENT_MAX characters) alone and with its neighbour — and the text scores as its worst
// window, so an instruction buried in a long document is not diluted by it. Work is linear and
// memory constant: features are summed per segment as they stream by. Pure: no I/O.

import { Buffer } from 'node:buffer';
import { FEATURE_BITS, SEGMENT_MAX } from './injection-features.js';
import { fusedWorstWindowLogit, windowScorer, type WindowScorer } from './injection-windows.js';
import { contentKeywordIndex, contentKeywords } from './content-keywords.js';
import { INJECTION_RULES, MAX_WINDOWS_PER_RULE, RULE_WINDOW_AFTER, RULE_WINDOW_BEFORE, type InjectionRule } from './injection-rules.js';
import { INJECTION_MODEL } from './model/injection-model.js';

export interface InjectionOptions {
  /** Score at or above which the text is flagged. Default: the model's 1%-FPR threshold. */
  threshold?: number;
}

export interface InjectionResult {
  /** In [0, 1]: the model's probability for the worst window, raised to 0.99 when a strong rule fires. */
  score: number;
  flagged: boolean;
  /** Ids of the rules that fired, in the order of INJECTION_RULES. */
  rules: string[];
  /** The model's own probability (before rules). */
  model: number;
  /** Start offset of the worst window. */
  at: number;
}

/** The default threshold: about 1% of ordinary documents flagged (see docs/content-safety.md). */
export const DEFAULT_INJECTION_THRESHOLD: number = INJECTION_MODEL.threshold;
/** A stricter threshold: about 0.1% of ordinary documents flagged. */
export const STRICT_INJECTION_THRESHOLD: number = INJECTION_MODEL.threshold01;

const STRONG_RULE_SCORE = 0.99;

/**
 * The shipped model: int8 weights, summed as integers and scaled once per window (a 256 KB table that
 * stays in cache), in a scorer built once per process (see windowScorer).
 */
function loadModel(): WindowScorer {
  if (INJECTION_MODEL.bits !== FEATURE_BITS || INJECTION_MODEL.segmentMax !== SEGMENT_MAX) {
    throw new Error('injection model was trained with other feature settings: re-run eval/content/train-injection.mjs');
  }
  const weights = new Int8Array(1 << FEATURE_BITS);
  if (INJECTION_MODEL.weights.length > 0) {
    const bytes = Buffer.from(INJECTION_MODEL.weights, 'base64');
    if (bytes.length !== weights.length) throw new Error('injection model weights have the wrong size');
    weights.set(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  }
  return windowScorer(weights, INJECTION_MODEL.bias, INJECTION_MODEL.scale);
}

let model: WindowScorer | undefined;

/**
 * The largest logit over the text's windows — every segment alone, and every two adjacent segments —
 * and where it starts, with any weights (training and evaluation). One pass, constant memory
 * (injection-windows.ts; scanFeatures defines the features it sums).
 */
export function worstWindowLogit(text: string, weights: ArrayLike<number>, bias: number, scale = 1): { logit: number; at: number } {
  return fusedWorstWindowLogit(text, weights, bias, scale);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The model's probability for the worst window of `text` (no rules). */
export function modelScore(text: string): { score: number; at: number } {
  model ??= loadModel();
  const { logit, at } = model(text);
  return { score: sigmoid(logit), at };
}

// ---- rules ----

/** Per keyword of the shared set (content-keywords.ts): the rules it triggers, or undefined for words of other detectors. */
let rulesOfTrigger: (number[] | undefined)[] | undefined;

function triggerRules(): (number[] | undefined)[] {
  if (rulesOfTrigger === undefined) {
    const of = new Array<number[] | undefined>(contentKeywords().keywords.length);
    INJECTION_RULES.forEach((rule, ri) => {
      for (const t of rule.triggers) (of[contentKeywordIndex(t)] ??= []).push(ri);
    });
    rulesOfTrigger = of;
  }
  return rulesOfTrigger;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Ids of the rules that match `text`, in rule order. */
export function matchRules(text: string): InjectionRule[] {
  // windows per rule, from trigger hits that start a word (so "ai" in "said" is no trigger)
  const windows: (number[] | undefined)[] = new Array<number[] | undefined>(INJECTION_RULES.length);
  const of = triggerRules();
  const words = contentKeywords().keywords;
  const hits = contentKeywords().hitsOf(text);
  for (let h = 0; h < hits.length; h += 2) {
    const k = hits[h]!;
    const rules = of[k];
    if (rules === undefined) continue; // a keyword of the secret rules
    const end = hits[h + 1]!;
    const word = words[k]!;
    const start = end - word.length;
    // a trigger word starts a word ("ai" in "said" is none); short ones must also end one ("aim")
    if (isLetter(word.charCodeAt(0)) && start > 0 && isLetter(text.charCodeAt(start - 1))) continue;
    if (word.length <= 3 && isLetter(word.charCodeAt(word.length - 1)) && end < text.length && isLetter(text.charCodeAt(end))) continue;
    for (const ri of rules) {
      const w = (windows[ri] ??= []);
      const a = Math.max(0, start - RULE_WINDOW_BEFORE);
      const b = Math.min(text.length, end + RULE_WINDOW_AFTER);
      const last = w.length - 1;
      if (last > 0 && a <= w[last]!) w[last] = b;
      else if (w.length < 2 * MAX_WINDOWS_PER_RULE) w.push(a, b);
    }
  }
  const fired: InjectionRule[] = [];
  INJECTION_RULES.forEach((rule, ri) => {
    const w = windows[ri];
    if (w === undefined) return;
    for (let k = 0; k < w.length; k += 2) {
      // a window opens at a line start when it can (the text's start counts as one)
      const a = w[k]!;
      const slice = text.slice(a, w[k + 1]!);
      if (rule.pattern.test(a === 0 || text.charCodeAt(a - 1) === 10 ? `\n${slice}` : slice)) {
        fired.push(rule);
        return;
      }
    }
  });
  return fired;
}

/**
 * Scores `text` for prompt injection. `flagged` is `score >= threshold`; the score is the model's
 * worst-window probability, raised to 0.99 when a strong rule fires.
 */
export function scoreInjection(text: string, options: InjectionOptions = {}): InjectionResult {
  const threshold = options.threshold ?? DEFAULT_INJECTION_THRESHOLD;
  const fired = matchRules(text);
  const m = modelScore(text);
  let score = m.score;
  if (fired.some((r) => r.strong)) score = Math.max(score, STRONG_RULE_SCORE);
  return { score, flagged: score >= threshold, rules: fired.map((r) => r.id), model: m.score, at: m.at };
}
