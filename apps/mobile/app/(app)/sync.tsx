import { SyncScreen } from '../../components/SyncScreen';

export default SyncScreen;
