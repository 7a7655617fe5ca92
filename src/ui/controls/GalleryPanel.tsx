// GalleryPanel.tsx: finished runs of every preset, trained ahead of time (npm run gallery) and
// served with the page as run files (public/gallery/). Opening one shows it at once, read-only,
// with or without WebGPU. Only same-origin gallery paths are ever fetched.
import { memo, useEffect, useState } from 'react';
import { Panel } from './Panel.tsx';
import { readRunFile, type RunFileContent } from '../../share/runFile.ts';
import { GALLERY_ID, type GalleryEntry } from '../../share/gallery.ts';

const galleryUrl = (file: string) => new URL(`gallery/${file}`, document.baseURI).href;

export async function fetchGalleryIndex(): Promise<GalleryEntry[]> {
  const response = await fetch(galleryUrl('index.json'));
  if (!response.ok) throw new Error(`the gallery index could not be loaded (HTTP ${response.status})`);
  const index = await response.json();
  if (!Array.isArray(index)) throw new Error('the gallery index is not a list');
  return index.filter((e: GalleryEntry) => typeof e?.id === 'string' && GALLERY_ID.test(e.id));
}

/** The gallery's run file of `id`, read and checked like any run file. */
export async function fetchGalleryRun(id: string): Promise<RunFileContent> {
  if (!GALLERY_ID.test(id)) throw new Error(`"${id.slice(0, 40)}" is not a gallery run`);
  const response = await fetch(galleryUrl(`${id}.json`));
  if (!response.ok) throw new Error(`the gallery has no run "${id}" (HTTP ${response.status})`);
  return readRunFile(await response.text());
}

interface Props {
  onOpen: (id: string) => Promise<void>;
  disabled: boolean;
}

/** Memoised: a metrics batch re-renders the page, not this panel (its props do not change with the metrics). */
export const GalleryPanel = memo(function GalleryPanel({ onOpen, disabled }: Props) {
  const [entries, setEntries] = useState<GalleryEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  useEffect(() => {
    fetchGalleryIndex().then(setEntries, (e: Error) => setError(e.message));
  }, []);
  const open = async (id: string) => {
    setOpening(id);
    setError(null);
    try {
      await onOpen(id);
    } catch (e) {
      setError(`${(e as Error).message}. Nothing on the page changed.`);
    } finally {
      setOpening(null);
    }
  };
  return (
    <Panel title="Gallery" defaultOpen={false}>
      <p className="explain">Every preset, trained ahead of time: open one to see the whole run at once, without training.</p>
      {entries?.length === 0 && <p className="sub">The gallery is empty.</p>}
      <ul className="gallery" data-testid="gallery">
        {entries?.map((e) => (
          <li key={e.id}>
            <button onClick={() => open(e.id)} disabled={disabled || opening !== null} title={e.description}>{opening === e.id ? 'Opening…' : `Open “${e.name}”`}</button>
            <span className="sub"> {e.steps} steps · {e.adapter}</span>
          </li>
        ))}
      </ul>
      {error && <div className="error" role="alert" data-testid="gallery-error">{error}</div>}
    </Panel>
  );
});
