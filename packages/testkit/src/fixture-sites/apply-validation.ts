export const applicationCountries: readonly string[] = ['United Kingdom', 'France', 'Germany', 'Ireland', 'Spain', 'United States'];
export const applicationPlans: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'basic', label: 'Basic – £5 a month' },
  { value: 'plus', label: 'Plus – £12 a month' },
  { value: 'family', label: 'Family – £20 a month' },
];

export const applicationFields = ['fullName', 'email', 'street', 'city', 'country', 'plan', 'terms'] as const;
export type ApplicationField = (typeof applicationFields)[number];

/** Which step of the form shows each field, so a server-side error reopens the right step. */
export const applicationStepOfField: Record<ApplicationField, number> = { fullName: 1, email: 1, street: 2, city: 2, country: 2, plan: 2, terms: 3 };

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Same rules as the page's own script, enforced again on the server as real sites do. */
export function validateApplication(form: Record<string, string>): Partial<Record<ApplicationField, string>> {
  const errors: Partial<Record<ApplicationField, string>> = {};
  const value = (field: ApplicationField): string => (form[field] ?? '').trim();
  if (value('fullName') === '') errors.fullName = 'Enter your full name.';
  if (value('email') === '') errors.email = 'Enter your email address.';
  else if (!emailPattern.test(value('email'))) errors.email = 'Enter a valid email address, like name@example.com.';
  if (value('street') === '') errors.street = 'Enter your street address.';
  if (value('city') === '') errors.city = 'Enter your town or city.';
  if (!applicationCountries.includes(value('country'))) errors.country = 'Choose your country.';
  if (!applicationPlans.some((plan) => plan.value === value('plan'))) errors.plan = 'Choose a plan.';
  if (value('terms') !== 'accepted') errors.terms = 'You must accept the terms to continue.';
  return errors;
}
