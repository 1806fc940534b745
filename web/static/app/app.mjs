// bonafide's own enhancements, loaded as a module after GOV.UK Frontend.
// Every page works without this file; it only enhances. No inline script
// is allowed by the Content-Security-Policy, so the class GOV.UK Frontend
// expects on <body> is set here.
import { initAll } from '/assets/govuk-frontend.min.js'

document.body.classList.add('js-enabled')
document.body.classList.add('govuk-frontend-supported')
initAll()

// Session-timeout warning: the server ends a session after data-session-idle
// seconds without a request. Two minutes before that, the hidden warning
// banner is shown and focused, so that a person can reload and stay signed
// in; at the limit the page goes to the sign-in page, saying why.
const idle = Number(document.body.dataset.sessionIdle || 0)
const warning = document.querySelector('[data-module="app-timeout-warning"]')
if (idle > 0 && warning) {
  const warnAfter = Math.max(idle - 120, idle / 2) * 1000
  setTimeout(() => {
    warning.hidden = false
    warning.setAttribute('tabindex', '-1')
    warning.focus()
  }, warnAfter)
  setTimeout(() => {
    window.location.assign('/sign-in?timeout=1')
  }, idle * 1000)
}
