/**
 * nana's Java API: {@link dev.nana.Supervisor}, the {@link dev.nana.Container} handle, specs,
 * events and the {@link dev.nana.NanaException} family. It depends on nothing; the in-process
 * supervisor (module dev.nana.supervisor) and the daemon's client (dev.nana.client) provide it.
 */
module dev.nana {
    exports dev.nana;
    exports dev.nana.spi;

    uses dev.nana.spi.LocalSupervisorFactory;
    uses dev.nana.spi.RemoteSupervisorFactory;
}
