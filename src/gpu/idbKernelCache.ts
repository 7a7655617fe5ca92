// idbKernelCache.ts: the page's kernel cache (gpu/tune.ts), in IndexedDB through idb-keyval: its
// own database "nitp-lab-kernels", opened on first use. Browser-safe: no node: imports.
import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { KernelCache } from './tune.ts';

export class IdbKernelCache implements KernelCache {
  private store: UseStore | null = null;

  private use(): UseStore {
    this.store ??= createStore('nitp-lab-kernels', 'choices'); // lazy: constructing opens nothing
    return this.store;
  }

  get(key: string): Promise<unknown> {
    return get(key, this.use());
  }

  set(key: string, value: unknown): Promise<void> {
    return set(key, value, this.use());
  }
}
