#!/usr/bin/env node
// The `kemai` command. Sources are TypeScript run through tsx's loader, so the
// installed package needs no build step (ADR 0002).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
