import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { isApiError } from './api/api-client';
import { ME_KEY } from './auth/session';
import './i18n/i18n';
import './styles.css';
import { App } from './app';

const client: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    // A session that expires mid-work sends the person back to sign-in instead of a broken page.
    onError: (error, query) => {
      if (isApiError(error, 401) && query.queryKey[0] !== ME_KEY[0]) client.setQueryData(ME_KEY, null);
    },
  }),
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      // Retrying a refusal or a missing record only delays the message the person needs.
      retry: (count, error) => count < 2 && !(isApiError(error) && error.status < 500),
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
