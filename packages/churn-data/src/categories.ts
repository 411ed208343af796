// Category vocabularies of the BankChurners data after cleaning (lowercase). The order of the
// ordinal ones is the encoding: index = code.

export const EDUCATION_LEVELS = ['uneducated', 'high school', 'college', 'graduate', 'post-graduate', 'doctorate'] as const;
export const INCOME_CATEGORIES = ['less than $40k', '$40k - $60k', '$60k - $80k', '$80k - $120k', '$120k +'] as const;
export const GENDERS = ['m', 'f'] as const;
export const MARITAL_STATUSES = ['married', 'single', 'divorced'] as const;
export const CARD_CATEGORIES = ['blue', 'silver', 'gold', 'platinum'] as const;

export type Gender = (typeof GENDERS)[number];
export type MaritalStatus = (typeof MARITAL_STATUSES)[number];
export type CardCategory = (typeof CARD_CATEGORIES)[number];

/** The value the reference drops rows for in education, marital status and income. */
export const UNKNOWN = 'unknown';
