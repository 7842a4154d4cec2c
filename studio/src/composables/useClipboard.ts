import { ref } from 'vue';

/** Copy text, with a fallback for pages served over plain http where `navigator.clipboard` is missing. */
export function useClipboard() {
  const copied = ref(false);

  async function copy(text: string): Promise<boolean> {
    copied.value = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
      } else if (!copyWithSelection(text)) {
        return false;
      }
      copied.value = true;
      return true;
    } catch {
      return copyWithSelection(text) && (copied.value = true);
    }
  }

  return { copy, copied };
}

function copyWithSelection(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try {
    // Deprecated but still the only synchronous way to copy outside a secure context.
    return document.execCommand('copy');
  } finally {
    area.remove();
  }
}
