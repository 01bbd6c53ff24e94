// Tell the user the workbook is being prepared: a large export takes a while to start downloading.
const link = document.getElementById('download-export')
const status = document.getElementById('download-status')
if (link && status) {
  link.addEventListener('click', () => {
    status.textContent = 'Your download is being prepared. It will start by itself; large exports can take a minute.'
  })
}
