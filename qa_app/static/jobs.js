// A background job's page: ask for the job's status every two seconds and show it; reload the page
// when the job has finished, so it shows the file or the result. Without JavaScript the page has a
// "Check again" button that does the same.
const box = document.getElementById('job-status')
const text = document.getElementById('job-progress')
const bar = document.getElementById('job-bar')
const number = (n) => Number(n).toLocaleString('en-GB')

async function check () {
  try {
    const response = await fetch(box.dataset.statusUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
    if (!response.ok) return
    const job = await response.json()
    if (job.finished) {
      window.location.assign(job.page)
      return
    }
    let message = job.label + (job.note ? ': ' + job.note.toLowerCase() : '') + '.'
    if (job.percent !== null) message += ' ' + job.percent + '% done (' + number(job.done) + ' of ' + number(job.total) + ').'
    if (text.textContent.trim() !== message) text.textContent = message
    if (bar && job.percent !== null) { bar.value = job.percent; bar.textContent = job.percent + '%' }
  } catch (error) {
    // The server could not be reached this time: try again at the next tick.
  }
  window.setTimeout(check, 2000)
}

if (box && text) window.setTimeout(check, 2000)
