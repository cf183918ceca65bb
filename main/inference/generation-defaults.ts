// the FashionR2R method's defaults for the knobs a person sets (architecture.md: 50 steps,
// strength 0.3, TAC 0.9 on the two highest-resolution levels, guidance 7.5). plain constants,
// no Node imports: the API contract (preload/api) re-exports them for the studio's panel.
export const GENERATION_DEFAULTS = { steps: 50, strength: 0.3, tacRatio: 0.9, tacLevels: 2, guidance: 7.5, inversion: 'official' } as const;

// the orders a DDIM inversion may visit its timesteps in (inference/pipelines/ddim-schedule.ts)
export const INVERSION_ORDERS = ['official', 'ddim'] as const;
export type InversionOrder = (typeof INVERSION_ORDERS)[number];
