/** The login site's one valid account. */
export const fixtureCredentials = { username: 'ada.lovelace', password: 'Analytical-Engine-1843' } as const;

export const accountDisplayName = 'Ada Lovelace';

export interface Invoice {
  number: string;
  /** ISO date. */
  date: string;
  amountGbp: number;
  status: 'Paid' | 'Due' | 'Overdue';
}

export const accountInvoices: readonly Invoice[] = [
  { number: 'INV-2026-001', date: '2026-01-15', amountGbp: 120.0, status: 'Paid' },
  { number: 'INV-2026-002', date: '2026-02-15', amountGbp: 120.0, status: 'Paid' },
  { number: 'INV-2026-003', date: '2026-03-15', amountGbp: 134.5, status: 'Paid' },
  { number: 'INV-2026-004', date: '2026-04-15', amountGbp: 98.25, status: 'Overdue' },
  { number: 'INV-2026-005', date: '2026-05-15', amountGbp: 142.1, status: 'Due' },
];
