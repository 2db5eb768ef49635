// The OS's word on the network (the run still checks the server answers). Cellular counts as
// metered, for the Wi-Fi-only photo setting.
import type { Connectivity } from '@vhd/background-sync';
import * as Network from 'expo-network';

export const expoConnectivity: Connectivity = {
  async getState() {
    const state = await Network.getNetworkStateAsync();
    return {
      // isInternetReachable is unknown (undefined) right after start: not a reason to give up.
      online: state.isConnected === true && state.isInternetReachable !== false,
      metered: state.type === Network.NetworkStateType.CELLULAR,
    };
  },
};
