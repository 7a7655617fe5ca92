// DataPanel.tsx: choose what the model learns from — the Brown corpus, your own text (a file or
// pasted), or a synthetic task whose ideal loss is known — and the tokenizer. Bad input is refused
// here with a message that names the problem; the data in use stays as it was.
import { memo, useState } from 'react';
import { Panel } from './Panel.tsx';
import type { DataConfig } from '../../model/config.ts';
import { SYNTHETIC_DEFAULTS, type SyntheticKind } from '../../data/synthetic.ts';
import { checkUploadSize, MAX_UPLOAD_BYTES, validateUpload } from '../../data/upload.ts';
import { BPE_MAX_VOCAB, BPE_MIN_VOCAB } from '../../data/bpe.ts';

export interface DataChoice {
  data: Partial<DataConfig>;
  uploadText?: string;
}

interface Props {
  /** the data in use */
  current: DataConfig;
  contextLength: number;
  disabled: boolean;
  onApply: (choice: DataChoice) => Promise<void>;
}

const CORPUS_LABELS: Record<string, string> = {
  brown: 'Brown corpus (English, part-of-speech tagged)',
  upload: 'Your text (file or pasted)',
  markov: 'Synthetic: Markov chain',
  copy: 'Synthetic: copy a random string',
  reverse: 'Synthetic: reverse a random string',
  modadd: 'Synthetic: modular addition',
};

const PARAM_LABELS: Record<string, string> = {
  order: 'Markov order', symbols: 'Symbols', alpha: 'Dirichlet α (lower = more predictable)', length: 'String length', modulus: 'Modulus',
};

/** Memoised: a metrics batch re-renders the page, not this panel (its props do not change with the metrics). */
export const DataPanel = memo(function DataPanel({ current, contextLength, disabled, onApply }: Props) {
  const [corpus, setCorpus] = useState<string>(current.corpus);
  const [tokenizer, setTokenizer] = useState(current.tokenizer);
  const [vocabSize, setVocabSize] = useState(current.vocabSize);
  const [task, setTask] = useState<Record<string, number>>({});
  const [file, setFile] = useState<File | null>(null);
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const synthetic = corpus in SYNTHETIC_DEFAULTS;
  const defaults = synthetic ? (SYNTHETIC_DEFAULTS[corpus as SyntheticKind] as unknown as Record<string, number | string>) : {};

  const apply = async () => {
    setError(null);
    setBusy(true);
    try {
      const data: Partial<DataConfig> = { corpus: corpus as DataConfig['corpus'], tokenizer, vocabSize, task: null, upload: null };
      let uploadText: string | undefined;
      if (synthetic) {
        data.tokenizer = 'char';
        data.task = { ...defaults, ...task } as DataConfig['task'];
      } else if (corpus === 'upload') {
        if (file) checkUploadSize(file.size, file.name); // before reading a byte of it
        const bytes = file ? new Uint8Array(await file.arrayBuffer()) : new TextEncoder().encode(pasted);
        const name = file ? file.name : 'pasted text';
        if (!file && pasted.length === 0) throw new Error('choose a text file or paste some text first');
        const upload = await validateUpload(bytes, name, { maxBytes: MAX_UPLOAD_BYTES, minTokens: 10 * (contextLength + 1) });
        data.upload = { name, size: upload.size, sha256: upload.sha256 };
        uploadText = upload.text;
      }
      await onApply({ data, uploadText });
    } catch (e) {
      setError(`${(e as Error).message}. The data in use did not change.`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title="Data" summary={CORPUS_LABELS[current.corpus] ?? current.corpus}>
      <div className="fields">
        <label>
          Corpus
          <select value={corpus} onChange={(e) => { setCorpus(e.target.value); setTask({}); setError(null); }} disabled={disabled}>
            {Object.entries(CORPUS_LABELS).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
        {!synthetic && (
          <label>
            Tokenizer
            <select value={tokenizer} onChange={(e) => setTokenizer(e.target.value as DataConfig['tokenizer'])} disabled={disabled}>
              <option value="char">characters</option>
              <option value="bpe">byte-level BPE</option>
            </select>
          </label>
        )}
        {!synthetic && tokenizer === 'bpe' && (
          <label>
            BPE vocabulary
            <input type="number" min={BPE_MIN_VOCAB} max={BPE_MAX_VOCAB} step={64} value={vocabSize}
              onChange={(e) => setVocabSize(Number(e.target.value))} disabled={disabled} />
          </label>
        )}
        {synthetic && Object.keys(defaults).filter((k) => k !== 'kind').map((k) => (
          <label key={k}>
            {PARAM_LABELS[k] ?? k}
            <input type="number" step={k === 'alpha' ? 0.1 : 1} value={task[k] ?? (defaults[k] as number)}
              onChange={(e) => setTask({ ...task, [k]: Number(e.target.value) })} disabled={disabled} />
          </label>
        ))}
      </div>
      {corpus === 'upload' && (
        <div className="fields">
          <label>
            Text file (UTF-8, up to {MAX_UPLOAD_BYTES / (1024 * 1024)} MiB)
            <input type="file" accept=".txt,text/plain" onChange={(e) => setFile(e.target.files?.[0] ?? null)} disabled={disabled} />
          </label>
          <label className="wide">
            …or paste text
            <textarea rows={3} value={pasted} onChange={(e) => setPasted(e.target.value)} disabled={disabled || file !== null} />
          </label>
        </div>
      )}
      <button onClick={apply} disabled={disabled || busy}>{busy ? 'Preparing data…' : 'Use this data'}</button>
      {error && <div className="error" role="alert" data-testid="data-error">{error}</div>}
    </Panel>
  );
});
