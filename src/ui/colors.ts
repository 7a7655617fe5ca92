// colors.ts: the run colours every chart uses (Okabe–Ito, colour-blind safe).
import type { Pair } from '../train/protocol.ts';

export const RUN_COLORS: Pair<string> = { ntp: '#0072b2', nitp: '#e69f00' };
export const AUX_COLOR = '#009e73';
/** the NITP run's total loss (NTP + λ·NITP) */
export const TOTAL_COLOR = '#cc79a7';
/** saved runs drawn over the charts (Okabe–Ito, after the run colours) */
export const OVERLAY_COLORS = ['#56b4e9', '#d55e00', '#000000', '#f0e442'];
