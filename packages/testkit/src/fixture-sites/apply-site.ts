import {
  applicationCountries,
  applicationFields,
  applicationPlans,
  applicationStepOfField,
  validateApplication,
  type ApplicationField,
} from './apply-validation.js';
import { escapeHtml } from './escape-html.js';
import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import { readForm } from './request-body.js';
import type { SiteContext, SiteRoute } from './site-context.js';

const brand = 'Northwind Mobile';
const navigation: Array<[string, string]> = [['Plans', '/apply'], ['Coverage', '/apply#coverage'], ['Support', '/apply#support']];

const style = `
.steps{display:flex;gap:16px;list-style:none;padding:0;color:#6b7380}
.steps [aria-current=step]{color:#14324f;font-weight:700}
fieldset{border:1px solid #d5dae0;background:#fff;border-radius:6px;padding:16px 20px;margin:0 0 12px}
fieldset label.inline{display:inline;font-weight:400;margin-left:4px}
.actions{display:flex;gap:12px;margin-top:16px}
.secondary{background:#e8eef6;color:#14324f}
dl.review{display:grid;grid-template-columns:160px 1fr;gap:4px 12px}
dl.review dt{font-weight:600}
`;

type Values = Record<string, string>;
type Errors = Partial<Record<ApplicationField, string>>;

function errorText(errors: Errors, field: ApplicationField): string {
  const message = errors[field];
  return `<p class="error" id="${field}-error" role="alert"${message === undefined ? ' hidden' : ''}>${escapeHtml(message ?? '')}</p>`;
}

function invalidAttributes(errors: Errors, field: ApplicationField): string {
  return errors[field] === undefined ? '' : ` aria-invalid="true" aria-describedby="${field}-error"`;
}

function textField(field: ApplicationField, label: string, type: string, autocomplete: string, values: Values, errors: Errors): string {
  return `<label for="${field}">${label}</label>
<input type="${type}" id="${field}" name="${field}" autocomplete="${autocomplete}" required value="${escapeHtml(values[field] ?? '')}"${invalidAttributes(errors, field)}>
${errorText(errors, field)}`;
}

function renderStepOne(values: Values, errors: Errors): string {
  return `${textField('fullName', 'Full name', 'text', 'name', values, errors)}
${textField('email', 'Email address', 'email', 'email', values, errors)}
<div class="actions"><button type="button" data-next>Next</button></div>`;
}

function renderStepTwo(values: Values, errors: Errors): string {
  const countries = applicationCountries
    .map((country) => `<option${values.country === country ? ' selected' : ''}>${escapeHtml(country)}</option>`)
    .join('');
  const plans = applicationPlans
    .map((plan) => `<div><input type="radio" id="plan-${plan.value}" name="plan" value="${plan.value}"${values.plan === plan.value ? ' checked' : ''}><label class="inline" for="plan-${plan.value}">${escapeHtml(plan.label)}</label></div>`)
    .join('\n');
  return `${textField('street', 'Street address', 'text', 'street-address', values, errors)}
${textField('city', 'Town or city', 'text', 'address-level2', values, errors)}
<label for="country">Country</label>
<select id="country" name="country" required${invalidAttributes(errors, 'country')}><option value="">Choose…</option>${countries}</select>
${errorText(errors, 'country')}
<div role="radiogroup" aria-labelledby="plan-label"><p id="plan-label"><strong>Plan</strong></p>
${plans}
</div>
${errorText(errors, 'plan')}
<div class="actions"><button type="button" class="secondary" data-back>Back</button><button type="button" data-next>Next</button></div>`;
}

function renderStepThree(values: Values, errors: Errors): string {
  const rows: Array<[string, string]> = [['Full name', 'fullName'], ['Email', 'email'], ['Street', 'street'], ['City', 'city'], ['Country', 'country'], ['Plan', 'plan']];
  const review = rows.map(([label, field]) => `<dt>${label}</dt><dd data-review="${field}">${escapeHtml(values[field] ?? '')}</dd>`).join('');
  return `<p>Check your details before you submit.</p>
<dl class="review">${review}</dl>
<div><input type="checkbox" id="terms" name="terms" value="accepted"${values.terms === 'accepted' ? ' checked' : ''}${invalidAttributes(errors, 'terms')}><label class="inline" for="terms">I accept the terms and conditions</label></div>
${errorText(errors, 'terms')}
<div class="actions"><button type="button" class="secondary" data-back>Back</button><button type="submit">Submit application</button></div>`;
}

/** Client-side copy of the validation rules; the server checks again. */
const applyScript = `
var form = document.getElementById('application');
var steps = Array.prototype.slice.call(form.querySelectorAll('fieldset[data-step]'));
var fieldsOfStep = { 1: ['fullName', 'email'], 2: ['street', 'city', 'country', 'plan'], 3: ['terms'] };
var current = Number(form.dataset.currentStep);
function valueOf(name) {
  if (name === 'plan') { var checked = form.querySelector('input[name=plan]:checked'); return checked ? checked.value : ''; }
  if (name === 'terms') return form.elements.terms.checked ? 'accepted' : '';
  return form.elements[name].value.trim();
}
function messageFor(name) {
  var value = valueOf(name);
  if (name === 'fullName' && !value) return 'Enter your full name.';
  if (name === 'email') {
    if (!value) return 'Enter your email address.';
    if (!/^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/.test(value)) return 'Enter a valid email address, like name@example.com.';
  }
  if (name === 'street' && !value) return 'Enter your street address.';
  if (name === 'city' && !value) return 'Enter your town or city.';
  if (name === 'country' && !value) return 'Choose your country.';
  if (name === 'plan' && !value) return 'Choose a plan.';
  if (name === 'terms' && !value) return 'You must accept the terms to continue.';
  return '';
}
function validateStep(step) {
  var valid = true;
  fieldsOfStep[step].forEach(function (name) {
    var message = messageFor(name);
    var error = document.getElementById(name + '-error');
    error.textContent = message;
    error.hidden = !message;
    var input = name === 'plan' ? null : form.elements[name];
    if (input) {
      if (message) { input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', name + '-error'); }
      else { input.removeAttribute('aria-invalid'); input.removeAttribute('aria-describedby'); }
    }
    if (message) valid = false;
  });
  return valid;
}
function show(step) {
  current = step;
  steps.forEach(function (fieldset) { fieldset.hidden = Number(fieldset.dataset.step) !== step; });
  document.querySelectorAll('.steps li').forEach(function (item, index) {
    if (index + 1 === step) item.setAttribute('aria-current', 'step'); else item.removeAttribute('aria-current');
  });
  document.getElementById('step-status').textContent = 'Step ' + step + ' of 3';
  if (step === 3) {
    form.querySelectorAll('[data-review]').forEach(function (cell) { cell.textContent = valueOf(cell.dataset.review); });
  }
}
form.addEventListener('click', function (event) {
  var target = event.target;
  if (target.matches('[data-next]') && validateStep(current)) show(current + 1);
  if (target.matches('[data-back]')) show(current - 1);
});
form.addEventListener('submit', function (event) {
  if (!validateStep(3)) event.preventDefault();
});
`;

function renderApplicationPage(context: SiteContext, values: Values, errors: Errors, status: number): void {
  const firstErrorStep = Math.min(4, ...Object.keys(errors).map((field) => applicationStepOfField[field as ApplicationField]));
  const currentStep = firstErrorStep === 4 ? 1 : firstErrorStep;
  const stepTitles = ['Your details', 'Address and plan', 'Review and submit'];
  const stepList = stepTitles.map((title, index) => `<li${index + 1 === currentStep ? ' aria-current="step"' : ''}>${index + 1}. ${title}</li>`).join('');
  const stepBodies = [renderStepOne(values, errors), renderStepTwo(values, errors), renderStepThree(values, errors)];
  const fieldsets = stepBodies
    .map((stepBody, index) => `<fieldset data-step="${index + 1}"${index + 1 === currentStep ? '' : ' hidden'}><legend>${stepTitles[index]}</legend>\n${stepBody}\n</fieldset>`)
    .join('\n');
  const summary = Object.keys(errors).length === 0 ? '' : `<div class="error" role="alert"><p>There is a problem with your application. Please correct the highlighted fields.</p></div>`;
  const body = `<h1>Apply for a SIM-only plan</h1>
<ol class="steps">${stepList}</ol>
<p id="step-status" aria-live="polite">Step ${currentStep} of 3</p>
${summary}
<form id="application" method="post" action="/apply" novalidate data-current-step="${currentStep}">
${fieldsets}
</form>
<section id="coverage"><h2>Coverage</h2><p>5G in 900 towns and cities.</p></section>
<section id="support"><h2>Support</h2><p>Call us on 0800 000 000, 8am to 8pm.</p></section>`;
  sendHtml(context.response, renderPage(context, { title: 'Apply – Northwind Mobile', brand, navigation, body, style, script: applyScript }), status);
}

async function submitApplication(context: SiteContext): Promise<void> {
  const form = await readForm(context.request);
  const values: Values = Object.fromEntries(applicationFields.map((field) => [field, (form[field] ?? '').trim()]));
  const errors = validateApplication(values);
  if (Object.keys(errors).length > 0) {
    renderApplicationPage(context, values, errors, 422);
    return;
  }
  const reference = `NW-${100001 + context.state.records.formSubmissions.length}`;
  context.state.records.formSubmissions.push({ ...values, reference });
  const body = `<h1>Application received</h1>
<p>Thank you, ${escapeHtml(values.fullName ?? '')}. Your reference number is <strong id="reference">${reference}</strong>.</p>
<p>We sent a confirmation to ${escapeHtml(values.email ?? '')}. Your SIM will arrive in 2–3 working days.</p>`;
  sendHtml(context.response, renderPage(context, { title: 'Application received – Northwind Mobile', brand, navigation, body }));
}

export const applyRoutes: SiteRoute[] = [
  { method: 'GET', path: '/apply', handle: (context) => renderApplicationPage(context, {}, {}, 200) },
  { method: 'POST', path: '/apply', handle: submitApplication },
];
