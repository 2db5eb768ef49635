// Why background sync cannot run right now, each with how to fix it.
import { Text, View } from 'react-native';
import { useSyncStatus } from './SyncStatusProvider';
import { styles } from './ui';

export function BackgroundWarnings() {
  const { warnings } = useSyncStatus();
  if (warnings.length === 0) return null;
  return (
    <View style={{ gap: 6, padding: 10, borderRadius: 6, backgroundColor: '#fff4e5' }}>
      {warnings.map((w) => (
        <View key={w.id} testID={`warning-${w.id}`}>
          <Text style={{ fontWeight: '600' }}>{w.title}</Text>
          <Text style={styles.muted}>{w.fix}</Text>
        </View>
      ))}
    </View>
  );
}
