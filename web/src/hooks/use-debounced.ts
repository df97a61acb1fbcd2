import { useEffect, useState } from 'react';

/** The value once it has stopped changing for `ms` milliseconds (live previews and counts while a person types). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}
