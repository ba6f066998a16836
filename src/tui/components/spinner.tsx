import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { SPINNER_FRAMES as FRAMES } from '../../terminal/charset.js';
import { theme } from '../theme.js';

/** A small activity indicator; it redraws 8 times a second only while shown. */
export function Spinner({ label }: { label: string }) {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 125);
    return () => clearInterval(timer);
  }, []);
  return (
    <Text color={theme.accent}>
      {FRAMES[frame]} {label}
    </Text>
  );
}
