import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;

/**
 * Temporal's time-skipping test server, started the way its own TestServer main starts it (`<port>
 * [--enable-time-skipping]`), but with its clock beginning at TAIZHANG_TEST_SERVER_START_MS (epoch milliseconds): a
 * test can then begin on a chosen day, before a holiday, and skip time from there.
 */
public final class TestServerAt {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    boolean enableTimeSkipping = args.length > 1 && "--enable-time-skipping".equalsIgnoreCase(args[1]);
    long start = Long.parseLong(System.getenv("TAIZHANG_TEST_SERVER_START_MS"));
    TestServicesStarter services = new TestServicesStarter(!enableTimeSkipping, start);
    ServerBuilder<?> builder = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdown();
      services.close();
    }));
    server.awaitTermination();
  }
}
