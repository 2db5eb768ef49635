// Invoice edit: amount and status. The write is local and queued; the server refuses it as a
// `conflict` if someone else changed amount or status meanwhile (shown on the Sync screen).
import { useLocalSearchParams, useRouter } from 'expo-router';
import { useEffect, useState } from 'react';
import { ScrollView, Text, View } from 'react-native';
import { useSystem } from '../../../components/SessionProvider';
import { Button, Field, Section, styles } from '../../../components/ui';
import { useLiveQuery } from '../../../hooks/useLiveQuery';
import {
  formatCents,
  INVOICE_STATUSES,
  type InvoiceRow,
  parseAmountCents,
  updateInvoice,
} from '../../../services/database/records';

export default function InvoiceScreen() {
  const { id } = useLocalSearchParams<{ id: string }>();
  const { db } = useSystem();
  const router = useRouter();
  const data = useLiveQuery<InvoiceRow>('SELECT * FROM invoices WHERE id = ?', [id]);
  const invoice = data[0];
  const [amount, setAmount] = useState('');
  const [status, setStatus] = useState<string>('draft');
  const [error, setError] = useState<string | null>(null);
  const loadedId = invoice?.id;
  // Fill the form once the row is loaded (not on every sync update of it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when another invoice loads
  useEffect(() => {
    if (!invoice) return;
    setAmount(formatCents(invoice.amount_cents ?? 0));
    setStatus(invoice.status ?? 'draft');
  }, [loadedId]);

  if (!invoice) {
    return (
      <View style={styles.screen}>
        <Text style={styles.muted}>This invoice is not on this device.</Text>
      </View>
    );
  }
  const save = async () => {
    const cents = parseAmountCents(amount);
    if (cents === null) {
      setError('Enter an amount like 125 or 125.50');
      return;
    }
    setError(null);
    await updateInvoice(db, invoice.id, { amountCents: cents, status });
    router.back();
  };
  return (
    <ScrollView contentContainerStyle={styles.screen}>
      <Text style={styles.sectionTitle}>Invoice #{invoice.number ?? '(assigned by the server)'}</Text>
      <Field label="Amount" value={amount} onChangeText={setAmount} keyboardType="decimal-pad" />
      <Section title="Status">
        <View style={styles.row}>
          {INVOICE_STATUSES.map((s) => (
            <Button
              key={s}
              title={s}
              kind={status === s ? 'primary' : 'plain'}
              onPress={() => setStatus(s)}
            />
          ))}
        </View>
      </Section>
      {error ? <Text style={styles.error}>{error}</Text> : null}
      <Button title="Save" onPress={save} />
    </ScrollView>
  );
}
