import { useState, type FormEvent } from 'react';
import { ApiError, client, errorMessage, type MFAEnrollment, type Session } from '../lib/api';
import { Logo } from '../components/Logo';

type Step = 'password' | 'code' | 'change' | 'enroll';

/**
 * SignIn walks through what the server asks for: the password, then a TOTP code when the
 * account has one, a new password when the current one is a one-time password, or setting up
 * an authenticator when MFA is required and the account has none.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [step, setStep] = useState<Step>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [enrollment, setEnrollment] = useState<MFAEnrollment | null>(null);
  const [error, setError] = useState('');
  const [pending, setPending] = useState(false);
  const [needCode, setNeedCode] = useState(false);

  const handle = async (e: ApiError) => {
    switch (e.code) {
      case 'mfa_required':
        if (step === 'change') setNeedCode(true);
        else setStep('code');
        setError(step === 'code' || needCode ? e.message : '');
        return;
      case 'password_change_required':
        setStep('change');
        setError('');
        return;
      case 'mfa_enrollment_required':
        try {
          setEnrollment(await client.enrollMFA(email, password));
          setStep('enroll');
          setError('');
        } catch (e2) {
          setError(errorMessage(e2));
        }
        return;
    }
    setError(e.message);
  };

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setPending(true);
    setError('');
    try {
      if (step === 'change') {
        if (newPassword !== confirm) {
          setError('The two new passwords differ.');
          return;
        }
        onSignedIn(await client.changePasswordAtSignIn(email, password, newPassword, code));
      } else {
        onSignedIn(await client.signIn(email, password, code));
      }
    } catch (e) {
      if (e instanceof ApiError) await handle(e);
      else setError(errorMessage(e));
    } finally {
      setPending(false);
    }
  };

  const heading = { password: 'Sign in to Panther', code: 'Two-factor authentication', change: 'Choose a new password', enroll: 'Set up an authenticator app' }[step];
  return (
    <main className="signin">
      <form className="panel card form" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <div className="brand">
          <Logo /> Panther
        </div>
        <h1 id="signin-title">{heading}</h1>
        {step === 'password' && (
          <>
            <label>
              E-mail
              <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
            </label>
            <label>
              Password
              <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </>
        )}
        {step === 'change' && (
          <>
            <p className="hint">Your password is a one-time password. Choose your own: at least 12 characters with lower- and upper-case letters, a number and a symbol.</p>
            <label>
              New password
              <input type="password" autoComplete="new-password" required value={newPassword} onChange={(e) => setNewPassword(e.target.value)} autoFocus />
            </label>
            <label>
              New password again
              <input type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
            </label>
          </>
        )}
        {step === 'enroll' && enrollment && (
          <>
            <p className="hint">Your organization requires two-factor authentication. Add this key to an authenticator app (Google Authenticator, 1Password, ...), then type the 6-digit code it shows.</p>
            <div className="secret" aria-label="Authenticator key">
              {enrollment.secret}
            </div>
            <a href={enrollment.url}>Open in an authenticator app on this device</a>
          </>
        )}
        {(step === 'code' || step === 'enroll' || (step === 'change' && needCode)) && (
          <label>
            6-digit code from your authenticator app
            <input inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]*" maxLength={8} required value={code} onChange={(e) => setCode(e.target.value.trim())} autoFocus={step !== 'change'} />
          </label>
        )}
        {error && (
          <div className="error-box" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Checking…' : step === 'change' ? 'Set password and sign in' : 'Sign in'}
        </button>
        {step !== 'password' && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setStep('password');
              setCode('');
              setNeedCode(false);
              setError('');
            }}
          >
            Start over
          </button>
        )}
      </form>
    </main>
  );
}
