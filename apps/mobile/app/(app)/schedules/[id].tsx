// One schedule: status, invoices, and before/after photos. A captured photo is handed to the
// photo queue (moved into the documents directory, row + queue item in one transaction); the
// background sync uploads it. The capture survives Android destroying the app while the camera is
// open (services/capture/pendingCapture).
import { instantOf, type SchedulePhotoRow, schedulePhotosQuery } from '@vhd/background-sync';
import * as ImagePicker from 'expo-image-picker';
import { Stack, useLocalSearchParams, useRouter } from 'expo-router';
import { useState } from 'react';
import { Image, ScrollView, Text, View } from 'react-native';
import { useSystem } from '../../../components/SessionProvider';
import { SyncIssuesList } from '../../../components/SyncIssuesList';
import { Button, Section, styles } from '../../../components/ui';
import { useLiveQuery } from '../../../hooks/useLiveQuery';
import { capturePhoto } from '../../../services/capture/pendingCapture';
import {
  createInvoice,
  formatCents,
  type InvoiceRow,
  type ScheduleRow,
  setScheduleStatus,
} from '../../../services/database/records';

type Kind = 'before' | 'after';

export default function ScheduleScreen() {
  const { id } = useLocalSearchParams<{ id: string }>();
  const system = useSystem();
  const { db, queue } = system;
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const schedules = useLiveQuery<ScheduleRow>('SELECT * FROM schedules WHERE id = ?', [id]);
  const invoices = useLiveQuery<InvoiceRow>('SELECT * FROM invoices WHERE schedule_id = ? ORDER BY id', [id]);
  const photosQuery = schedulePhotosQuery(id);
  const photos = useLiveQuery<SchedulePhotoRow>(photosQuery.sql, photosQuery.parameters);
  const schedule = schedules[0];

  const capture = async (kind: Kind) => {
    setError(null);
    try {
      await capturePhoto(system, { scheduleId: id, kind }, async () => {
        const camera = await ImagePicker.requestCameraPermissionsAsync();
        const options: ImagePicker.ImagePickerOptions = { mediaTypes: ['images'], quality: 0.8, exif: false };
        // Simulators have no camera: fall back to the library.
        return camera.granted
          ? ImagePicker.launchCameraAsync(options)
          : ImagePicker.launchImageLibraryAsync(options);
      });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  if (!schedule) {
    return (
      <View style={styles.screen}>
        <Text style={styles.muted}>This schedule is not on this device.</Text>
      </View>
    );
  }

  const photoList = (kind: Kind) =>
    photos
      .filter((p) => p.kind === kind)
      .map((p) => {
        const uri = p.cloudinary_url ?? queue.localFile({ local_path: p.local_path });
        return (
          <View key={p.id} style={styles.row}>
            {uri ? <Image source={{ uri }} style={{ width: 64, height: 64, borderRadius: 4 }} /> : null}
            <Text style={{ flex: 1 }}>
              {p.taken_at ? new Date(instantOf(p.taken_at) ?? Number.NaN).toLocaleString() : ''} ·{' '}
              {p.state ?? 'on server'}
              {p.last_error ? ` · ${p.last_error}` : ''}
            </Text>
          </View>
        );
      });

  return (
    <ScrollView contentContainerStyle={styles.screen}>
      <Stack.Screen options={{ title: schedule.customer ?? 'Schedule' }} />
      <Text style={styles.muted}>
        {schedule.address ?? ''} ·{' '}
        {schedule.scheduled_at
          ? new Date(instantOf(schedule.scheduled_at) ?? Number.NaN).toLocaleString()
          : ''}
      </Text>
      <Section title={`Status: ${schedule.status ?? '—'}`}>
        <View style={styles.row}>
          {['scheduled', 'in_progress', 'done'].map((s) => (
            <Button
              key={s}
              kind={schedule.status === s ? 'primary' : 'plain'}
              title={s.replace('_', ' ')}
              onPress={() => void setScheduleStatus(db, schedule.id, s)}
            />
          ))}
        </View>
      </Section>
      <Section title="Before">
        {photoList('before')}
        <Button title="Take before photo" onPress={() => void capture('before')} />
      </Section>
      <Section title="After">
        {photoList('after')}
        <Button title="Take after photo" onPress={() => void capture('after')} />
      </Section>
      {error ? <Text style={styles.error}>{error}</Text> : null}
      <SyncIssuesList scheduleId={schedule.id} />
      <Section title="Invoices">
        {invoices.map((inv) => (
          <Button
            key={inv.id}
            kind="plain"
            title={`#${inv.number ?? 'new'} · ${formatCents(inv.amount_cents)} · ${inv.status ?? ''}`}
            onPress={() => router.push({ pathname: '/invoices/[id]', params: { id: inv.id } })}
          />
        ))}
        <Button
          title="New invoice"
          onPress={async () => {
            const invoiceId = await createInvoice(db, schedule.id);
            router.push({ pathname: '/invoices/[id]', params: { id: invoiceId } });
          }}
        />
      </Section>
    </ScrollView>
  );
}
