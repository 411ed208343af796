import { randomInt } from 'node:crypto';

// MLflow names unnamed runs "<adjective>-<noun>-<number>"; the UI and users rely on a readable name.
const ADJECTIVES = ['able', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'eager', 'fair', 'gentle', 'glad', 'keen', 'kind', 'lucky', 'merry', 'neat', 'quick', 'quiet', 'sharp', 'swift', 'tidy', 'warm', 'wise', 'zesty'];
const NOUNS = ['ant', 'bass', 'bear', 'bee', 'cat', 'crab', 'crow', 'deer', 'dove', 'eel', 'fox', 'frog', 'gnu', 'hare', 'hawk', 'lark', 'lynx', 'mole', 'moth', 'owl', 'ram', 'seal', 'slug', 'wolf'];

export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
