// Conditional questions: a question marked data-show-if="KEY" is shown only while the question KEY
// has one of the answers in data-show-if-answers (and is itself shown). Without JavaScript every
// question shows, with its condition in the hint; the server ignores answers to hidden questions.
function answerOf (form, key) {
  const checked = form.querySelector('input[name="q_' + key + '"]:checked')
  return checked ? checked.value : ''
}

function update (form) {
  const hidden = new Set()
  // Document order is template order, and a condition names an earlier question: one pass settles chains.
  form.querySelectorAll('[data-show-if]').forEach(function (question) {
    const wanted = JSON.parse(question.getAttribute('data-show-if-answers'))
    const on = question.getAttribute('data-show-if')
    const shown = !hidden.has(on) && wanted.indexOf(answerOf(form, on)) !== -1
    question.hidden = !shown
    if (!shown) hidden.add(question.getAttribute('data-question'))
  })
}

document.querySelectorAll('form[data-conditional-questions]').forEach(function (form) {
  update(form)
  form.addEventListener('change', function () { update(form) })
})
