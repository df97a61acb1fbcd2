import type { ReactNode } from 'react';
import { Icon } from './icons';

/** A button that opens a text file (CSV, a list of codes or phones) and hands over its name and text. */
export function TextFileButton({ label, accept, testId, onText }: { label: ReactNode; accept: string; testId: string; onText: (name: string, text: string) => void }) {
  return (
    <label className="btn">
      <Icon name="upload" size={16} />
      {label}
      <input
        type="file"
        accept={accept}
        className="sr-only"
        data-testid={testId}
        onChange={async (e) => {
          const file = e.target.files?.[0];
          if (!file) return;
          onText(file.name, await file.text());
        }}
      />
    </label>
  );
}
