// Health check of the mongo service, run by mongosh inside the container. The first runs also initiate the
// single-node replica set: only when the server says it has no configuration yet, so it is safe to repeat.
// The service is healthy once this node is the writable primary, which is what the api and worker need.
// Credentials come from the container's environment, never from the command line (visible in `ps`).

/* global db, rs, quit -- provided by mongosh */
const replicaSetName = 'rs0';
// The name clients reach this node by: drivers connecting with replicaSet=rs0 switch to the hosts listed here.
const memberHost = 'mongo:27017';

const admin = db.getSiblingDB('admin');
admin.auth(process.env.MONGO_INITDB_ROOT_USERNAME, process.env.MONGO_INITDB_ROOT_PASSWORD);

try {
  rs.status();
} catch (error) {
  if (error.codeName !== 'NotYetInitialized' && error.code !== 94) throw error;
  rs.initiate({ _id: replicaSetName, members: [{ _id: 0, host: memberHost }] });
}

quit(admin.hello().isWritablePrimary === true ? 0 : 1);
