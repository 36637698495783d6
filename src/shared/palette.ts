/** Ten colours distinct on photos (Tableau 10): classes and prior layers cycle through them. */
export const TABLEAU_10: readonly string[] = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
