import { initAll } from './govuk/govuk-frontend.min.js'

initAll()

// Wide tables scroll inside their own box on a narrow screen, so the page itself never scrolls
// sideways (WCAG 1.4.10). Templates wrap each table in .app-table-scroll; a table that is not
// wrapped is wrapped here. A box that scrolls can be reached and scrolled with the keyboard.
function scrollableTables () {
  for (const table of document.querySelectorAll('table.govuk-table')) {
    let box = table.parentElement
    if (!box.classList.contains('app-table-scroll')) {
      box = document.createElement('div')
      box.className = 'app-table-scroll'
      table.replaceWith(box)
      box.appendChild(table)
    }
    const caption = table.querySelector('caption')
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute('tabindex', '0')
      box.setAttribute('role', 'region')
      box.setAttribute('aria-label', (caption ? caption.textContent.trim() : 'Table') + ' (scrolls sideways)')
    } else {
      box.removeAttribute('tabindex')
      box.removeAttribute('role')
      box.removeAttribute('aria-label')
    }
  }
}

scrollableTables()
window.addEventListener('resize', scrollableTables)
