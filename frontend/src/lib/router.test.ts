import { describe, expect, it } from 'vitest';
import { matchRoute } from './router';

describe('matchRoute', () => {
  it('maps the four screens', () => {
    expect(matchRoute('/login')).toEqual({ name: 'login', next: null });
    expect(matchRoute('/register')).toEqual({ name: 'register', next: null });
    expect(matchRoute('/')).toEqual({ name: 'rooms' });
    expect(matchRoute('/rooms/')).toEqual({ name: 'rooms' });
    expect(matchRoute('/rooms/42')).toEqual({ name: 'room', roomId: 42 });
    expect(matchRoute('/rooms/abc')).toEqual({ name: 'unknown' });
  });

  it('keeps only same-origin paths as the after-login target', () => {
    expect(matchRoute('/login?next=%2Frooms%2F3')).toEqual({ name: 'login', next: '/rooms/3' });
    expect(matchRoute('/login?next=https%3A%2F%2Fevil.example')).toEqual({ name: 'login', next: null });
    expect(matchRoute('/login?next=%2F%2Fevil.example')).toEqual({ name: 'login', next: null });
  });
});
