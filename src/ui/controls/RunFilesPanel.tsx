// RunFilesPanel.tsx: results that travel without retraining. "Save run file" writes the pair on
// the page as one file (share/runFile.ts); "Open run file" and "Open a CLI output folder" show a
// finished run at once, read-only, with every chart (the page can also take either by drag and
// drop). Nothing on the page changes until a file has been read and checked completely.
import { useState, type DragEvent } from 'react';
import { Panel } from './Panel.tsx';
import { readRunFileFrom, writeRunFile, type RunFileContent } from '../../share/runFile.ts';
import { MAX_METRICS_BYTES, readCliFolder, type FolderFile } from '../../share/cliRun.ts';
import type { ViewKind } from '../hooks/useEngine.ts';
import { downloadBlob } from '../chartExport.ts';

interface Props {
  /** the pair on the page as a run file's content (null before there is one); dated when saved */
  content: Omit<RunFileContent, 'created'> | null;
  onOpen: (content: RunFileContent, name: string, kind: ViewKind) => void;
  disabled: boolean;
}

/** The files of a folder chosen with <input webkitdirectory>, only those a run folder needs. */
export async function folderFiles(files: Iterable<{ file: File; path: string }>): Promise<FolderFile[]> {
  const out: FolderFile[] = [];
  for (const { file: f, path } of files) {
    const name = path.split('/').pop();
    if (name !== 'config.json' && name !== 'metrics.jsonl') continue;
    if (f.size > MAX_METRICS_BYTES) throw new Error(`${path} is ${(f.size / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_METRICS_BYTES / 2 ** 20} MiB the lab reads`);
    // paths relative to the chosen folder (its own name is the first part)
    out.push({ path: path.split('/').slice(1).join('/') || name!, text: await f.text() });
  }
  return out;
}

/** Opens what was dropped on the page: a run file, or a CLI output folder (or its files). */
export async function openDropped(items: DataTransferItemList, onOpen: Props['onOpen']): Promise<string> {
  const entries = Array.from(items, (i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  const file = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));
  // a File's webkitRelativePath is read-only: dropped files carry their path beside them
  const walk = async (entry: FileSystemEntry, prefix: string, out: { file: File; path: string }[]) => {
    if (entry.isFile) {
      const f = await file(entry as FileSystemFileEntry);
      out.push({ file: f, path: `${prefix}${f.name}` });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`, out);
      }
    }
  };
  if (entries.length === 1 && entries[0].isFile && !['config.json', 'metrics.jsonl'].includes(entries[0].name)) {
    const f = await file(entries[0] as FileSystemFileEntry);
    onOpen(await readRunFileFrom(f), f.name, 'run file');
    return `Opened ${f.name}.`;
  }
  const files: { file: File; path: string }[] = [];
  for (const e of entries) await walk(e, e.isDirectory ? '' : 'dropped/', files);
  const name = entries.length === 1 && entries[0].isDirectory ? entries[0].name : 'the dropped files';
  onOpen(readCliFolder(await folderFiles(files), name), name, 'CLI folder');
  return `Opened ${name}.`;
}

/** The page as a drop target for run files and folders; `note` says what happened. */
export function useDropToOpen(onOpen: Props['onOpen'], running: boolean) {
  const [note, setNote] = useState<{ text: string; error: boolean } | null>(null);
  const onDragOver = (e: DragEvent) => {
    if (e.dataTransfer.types.includes('Files')) e.preventDefault();
  };
  const onDrop = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    if (running) return setNote({ text: 'Pause training before opening a run.', error: true });
    openDropped(e.dataTransfer.items, onOpen).then(
      (text) => setNote({ text, error: false }),
      (err: Error) => setNote({ text: `${err.message}. Nothing on the page changed.`, error: true }),
    );
  };
  return { note, setNote, onDragOver, onDrop };
}

export function RunFilesPanel({ content, onOpen, disabled }: Props) {
  const [withCheckpoint, setWithCheckpoint] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const attempt = async (what: () => Promise<string>) => {
    setError(null);
    setStatus(null);
    try {
      setStatus(await what());
    } catch (e) {
      setError(`${(e as Error).message}. Nothing on the page changed.`);
    }
  };

  const save = () => attempt(async () => {
    const text = writeRunFile({ ...content!, created: new Date().toISOString() }, withCheckpoint);
    const step = content!.history.nitp.at(-1)?.step ?? 0;
    downloadBlob(`nitp-lab-run-step${step}.json`, new Blob([text], { type: 'application/json' }));
    return `Saved the run file (${(text.length / 1024).toFixed(0)} KiB${withCheckpoint && content!.checkpoint ? `, checkpoints of step ${content!.checkpoint.step} included` : ''}).`;
  });

  return (
    <Panel title="Run files" defaultOpen={false}>
      <p className="explain">
        A run file holds everything the charts show — every step, every evaluation with its PCA snapshot, the probe, the text
        samples — so it opens anywhere at once, without training and without a GPU.
      </p>
      <div className="controls">
        <button onClick={save} disabled={!content || content.history.nitp.length === 0}>Save run file</button>
        <label><input type="checkbox" checked={withCheckpoint} onChange={(e) => setWithCheckpoint(e.target.checked)} /> with checkpoints</label>
      </div>
      <div className="fields">
        <label>
          Open run file
          <input type="file" accept=".json,application/json" disabled={disabled}
            onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ''; if (f) attempt(async () => { onOpen(await readRunFileFrom(f), f.name, 'run file'); return `Opened ${f.name}.`; }); }} />
        </label>
        <label>
          Open a CLI output folder
          <input type="file" disabled={disabled} {...{ webkitdirectory: '', directory: '' }}
            onChange={(e) => {
              const list = Array.from(e.target.files ?? []);
              e.target.value = '';
              const name = list[0]?.webkitRelativePath.split('/')[0] ?? 'the folder';
              const files = list.map((file) => ({ file, path: file.webkitRelativePath || file.name }));
              if (list.length) attempt(async () => { onOpen(readCliFolder(await folderFiles(files), name), name, 'CLI folder'); return `Opened ${name}.`; });
            }} />
        </label>
      </div>
      <p className="sub">You can also drop a run file or a folder anywhere on the page.</p>
      {status && <p role="status" data-testid="runfile-status">{status}</p>}
      {error && <div className="error" role="alert" data-testid="runfile-error">{error}</div>}
    </Panel>
  );
}
