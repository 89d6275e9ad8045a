export function Logo() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
      <circle cx="12" cy="12" r="11" fill="#6e56cf" />
      <path d="M7 16V8h5a3 3 0 0 1 0 6H9.5v2z" fill="#fff" />
    </svg>
  );
}

