import { createSubscriber } from 'svelte/reactivity';

/**
 * "Now", ticking once a second while anything on screen reads it: one timer for the whole page,
 * so every "last seen" label advances together.
 */
class Clock {
  #now = Date.now();
  #subscribe = createSubscriber((update) => {
    this.#now = Date.now();
    const timer = setInterval(() => {
      this.#now = Date.now();
      update();
    }, 1000);
    return () => clearInterval(timer);
  });

  get now(): number {
    if (!$effect.tracking()) return Date.now();
    this.#subscribe();
    return this.#now;
  }
}

export const clock = new Clock();
