import { describe, expect, it } from 'vitest';
import { loadThrough, ProjectionCache, RowCache } from './row-cache.ts';

describe('RowCache', () => {
  it('shows a staged row only once its batch commits', () => {
    const cache = new RowCache<number>();
    cache.stage('a', 1);
    expect(cache.get('a')).toBeUndefined();
    cache.commit();
    expect(cache.get('a')).toBe(1);
  });

  it('forgets committed and staged rows on clear', () => {
    const cache = new RowCache<number>();
    cache.stage('a', 1);
    cache.commit();
    cache.stage('b', 2);
    cache.clear();
    cache.commit();
    expect([cache.get('a'), cache.get('b'), cache.size]).toEqual([undefined, undefined, 0]);
  });

  it('starts afresh past its size limit, keeping the batch just committed', () => {
    const cache = new RowCache<number>(2);
    cache.stage('a', 1);
    cache.stage('b', 2);
    cache.commit();
    cache.stage('c', 3);
    cache.commit();
    expect([cache.get('a'), cache.get('c'), cache.size]).toEqual([undefined, 3, 1]);
  });
});

describe('loadThrough', () => {
  const refs = new Map([
    ['a', 'ref-a'],
    ['b', 'ref-b'],
  ]);

  it('loads only the keys the cache lacks, and stages what it loaded', async () => {
    const cache = new ProjectionCache().table<string>('t');
    cache.stage('a', 'cached-a');
    cache.commit();
    const asked: string[][] = [];
    const rows = await loadThrough(cache, refs, async (missing) => {
      asked.push(missing);
      return new Map([['b', 'loaded-b']]);
    });
    expect(asked).toEqual([['ref-b']]);
    expect(rows).toEqual(
      new Map([
        ['a', 'cached-a'],
        ['b', 'loaded-b'],
      ]),
    );
    cache.commit();
    expect(cache.get('b')).toBe('loaded-b');
  });

  it('sends no query when every row is cached, and loads everything without a cache', async () => {
    const cache = new RowCache<string>();
    cache.stage('a', 'x');
    cache.stage('b', 'y');
    cache.commit();
    let loads = 0;
    const load = async () => {
      loads++;
      return new Map<string, string>();
    };
    await loadThrough(cache, refs, load);
    expect(loads).toBe(0);
    await loadThrough(undefined, refs, load);
    expect(loads).toBe(1);
  });
});
