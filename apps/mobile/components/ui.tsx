// The few shared building blocks of the screens.
import type { ReactNode } from 'react';
import { Pressable, StyleSheet, Text, TextInput, type TextInputProps, View } from 'react-native';

export function Button(props: {
  title: string;
  onPress: () => void;
  disabled?: boolean;
  kind?: 'primary' | 'plain' | 'danger';
  testID?: string;
}) {
  const kind = props.kind ?? 'primary';
  return (
    <Pressable
      accessibilityRole="button"
      testID={props.testID}
      disabled={props.disabled}
      onPress={props.onPress}
      style={[styles.button, styles[kind], props.disabled ? styles.disabled : null]}
    >
      <Text style={kind === 'plain' ? styles.plainText : styles.buttonText}>{props.title}</Text>
    </Pressable>
  );
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <View style={styles.section}>
      <Text style={styles.sectionTitle}>{title}</Text>
      {children}
    </View>
  );
}

export function Field(props: TextInputProps & { label: string }) {
  const { label, ...input } = props;
  return (
    <View style={styles.field}>
      <Text style={styles.label}>{label}</Text>
      <TextInput style={styles.input} autoCapitalize="none" {...input} />
    </View>
  );
}

export const styles = StyleSheet.create({
  screen: { padding: 16, gap: 12 },
  section: { gap: 6, paddingVertical: 8 },
  sectionTitle: { fontSize: 17, fontWeight: '600' },
  row: { flexDirection: 'row', alignItems: 'center', justifyContent: 'space-between', gap: 8 },
  muted: { color: '#666' },
  error: { color: '#b00020' },
  field: { gap: 4 },
  label: { fontSize: 13, color: '#444' },
  input: { borderWidth: 1, borderColor: '#ccc', borderRadius: 6, padding: 10, fontSize: 16 },
  button: { paddingVertical: 10, paddingHorizontal: 14, borderRadius: 6, alignItems: 'center' },
  primary: { backgroundColor: '#1f5eff' },
  danger: { backgroundColor: '#b00020' },
  plain: { backgroundColor: 'transparent' },
  disabled: { opacity: 0.5 },
  buttonText: { color: 'white', fontWeight: '600' },
  plainText: { color: '#1f5eff', fontWeight: '600' },
});
