// Progressive enhancement only: every page works without this file.
document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  navigator.clipboard.writeText(field.value).then(
    () => {
      button.textContent = button.dataset.done;
    },
    () => {
      field.select();
    },
  );
});

// Dropping a file anywhere on the verify page puts it in the file field and submits the form.
const form = document.querySelector('form.verify-form');
if (form) {
  const input = form.querySelector('input[type=file]');
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    form.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => form.classList.remove('dragging'));
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    form.classList.remove('dragging');
    if (event.dataTransfer && event.dataTransfer.files.length > 0) {
      input.files = event.dataTransfer.files;
      form.submit();
    }
  });
}
