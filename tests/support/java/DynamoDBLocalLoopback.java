// Starts Amazon's DynamoDB Local (in memory, one shared database) listening on 127.0.0.1 only,
// on a port the kernel picks, and prints that port. DynamoDB Local's own command line
// (ServerRunner) binds every interface and needs a port chosen in advance; tests here stay on
// loopback and never race for a port. Run from source (java 11+'s single-file launcher) with
// DynamoDBLocal.jar on the class path; see tests/support/dynamodb_local.py.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class DynamoDBLocalLoopback {
    private DynamoDBLocalLoopback() {}

    public static void main(String[] args) throws Exception {
        // The -port value is only validated (1-65535) here; the connector's port is set below.
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(
                new String[] {"-inMemory", "-sharedDb", "-disableTelemetry", "-port", "65535"});
        // DynamoDBProxyServer keeps its Jetty server private and unstarted until start().
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost("127.0.0.1");
            ((ServerConnector) connector).setPort(0);
        }
        proxy.start();
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        System.out.println("DynamoDB Local listening on 127.0.0.1:" + port);
        System.out.flush();
        proxy.join();
    }
}
