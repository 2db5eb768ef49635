// Schedules list (synced from the server; new ones can be created offline). The header shows the
// sync status (the signed-in layout); warnings about background sync come first.
import { byInstant, instantOf } from '@vhd/background-sync';
import { useRouter } from 'expo-router';
import { useState } from 'react';
import { FlatList, Pressable, Text, View } from 'react-native';
import { BackgroundWarnings } from '../../components/BackgroundWarnings';
import { useSystem } from '../../components/SessionProvider';
import { Button, Field, styles } from '../../components/ui';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { createSchedule, type ScheduleRow } from '../../services/database/records';

export default function SchedulesScreen() {
  const { db } = useSystem();
  const router = useRouter();
  const schedules = useLiveQuery<ScheduleRow>(
    // As instants: synced rows carry the service's spelling, local ones ISO (engine timestamps.ts).
    `SELECT * FROM schedules ORDER BY ${byInstant('scheduled_at')} DESC, id`,
  );
  const [customer, setCustomer] = useState('');
  const [address, setAddress] = useState('');
  const add = async () => {
    const id = await createSchedule(db, {
      customer: customer.trim(),
      address: address.trim(),
      scheduledAt: new Date().toISOString(),
    });
    setCustomer('');
    setAddress('');
    router.push({ pathname: '/schedules/[id]', params: { id } });
  };
  return (
    <FlatList
      contentContainerStyle={styles.screen}
      data={schedules}
      keyExtractor={(s) => s.id}
      ListHeaderComponent={<BackgroundWarnings />}
      ListEmptyComponent={<Text style={styles.muted}>No schedules yet.</Text>}
      renderItem={({ item }) => (
        <Pressable onPress={() => router.push({ pathname: '/schedules/[id]', params: { id: item.id } })}>
          <View style={[styles.section, { borderBottomWidth: 1, borderColor: '#eee' }]}>
            <Text style={styles.sectionTitle}>{item.customer ?? 'Unnamed customer'}</Text>
            <Text style={styles.muted}>
              {item.address ?? ''} ·{' '}
              {item.scheduled_at ? new Date(instantOf(item.scheduled_at) ?? Number.NaN).toLocaleString() : ''}{' '}
              · {item.status ?? ''}
            </Text>
          </View>
        </Pressable>
      )}
      ListFooterComponent={
        <View style={styles.section}>
          <Text style={styles.sectionTitle}>New schedule</Text>
          <Field label="Customer" value={customer} onChangeText={setCustomer} autoCapitalize="words" />
          <Field label="Address" value={address} onChangeText={setAddress} autoCapitalize="words" />
          <Button title="Add" onPress={add} disabled={!customer.trim()} />
        </View>
      }
    />
  );
}
