// The demo EDR doubles as the tests' vendor server.
export { type Device, type Fault, startVendorServer, type VendorServer } from '../respond/demo-edr.js';
