// colors.ts: the run colours every chart uses (Okabe–Ito, colour-blind safe).
import type { Pair } from '../train/protocol.ts';

export const RUN_COLORS: Pair<string> = { ntp: '#0072b2', nitp: '#e69f00' };
export const AUX_COLOR = '#009e73';
/** the NITP run's total loss (NTP + λ·NITP) */
export const TOTAL_COLOR = '#cc79a7';
