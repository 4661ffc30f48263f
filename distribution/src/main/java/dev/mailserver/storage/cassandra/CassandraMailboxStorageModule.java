package dev.mailserver.storage.cassandra;

import static org.apache.james.modules.Names.MAILBOXMANAGER_NAME;

import javax.inject.Inject;
import javax.inject.Singleton;

import org.apache.james.adapter.mailbox.ACLUsernameChangeTaskStep;
import org.apache.james.adapter.mailbox.MailboxUsernameChangeTaskStep;
import org.apache.james.adapter.mailbox.QuotaUsernameChangeTaskStep;
import org.apache.james.adapter.mailbox.UserRepositoryAuthenticator;
import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.backends.cassandra.init.configuration.CassandraConfiguration;
import org.apache.james.backends.cassandra.versions.CassandraSchemaVersionManager;
import org.apache.james.blob.api.BlobReferenceSource;
import org.apache.james.events.EventListener;
import org.apache.james.eventsourcing.eventstore.cassandra.CassandraEventStore;
import org.apache.james.eventsourcing.eventstore.cassandra.EventStoreDao;
import org.apache.james.eventsourcing.eventstore.cassandra.JsonEventSerializer;
import org.apache.james.mailbox.AttachmentContentLoader;
import org.apache.james.mailbox.AttachmentManager;
import org.apache.james.mailbox.Authenticator;
import org.apache.james.mailbox.MailboxManager;
import org.apache.james.mailbox.MailboxPathLocker;
import org.apache.james.mailbox.MessageIdManager;
import org.apache.james.mailbox.RightManager;
import org.apache.james.mailbox.SessionProvider;
import org.apache.james.mailbox.SubscriptionManager;
import org.apache.james.mailbox.cassandra.CassandraMailboxManager;
import org.apache.james.mailbox.cassandra.CassandraMailboxSessionMapperFactory;
import org.apache.james.mailbox.cassandra.CassandraThreadIdGuessingAlgorithm;
import org.apache.james.mailbox.cassandra.DeleteMessageListener;
import org.apache.james.mailbox.cassandra.ids.CassandraId;
import org.apache.james.mailbox.cassandra.ids.CassandraMessageId;
import org.apache.james.mailbox.cassandra.mail.ACLMapper;
import org.apache.james.mailbox.cassandra.mail.AttachmentBlobReferenceSource;
import org.apache.james.mailbox.cassandra.mail.CassandraACLMapper;
import org.apache.james.mailbox.cassandra.mail.CassandraACLDAOV2;
import org.apache.james.mailbox.cassandra.mail.CassandraModSeqProvider;
import org.apache.james.mailbox.cassandra.mail.CassandraUidProvider;
import org.apache.james.mailbox.cassandra.mail.CassandraUserMailboxRightsDAO;
import org.apache.james.mailbox.cassandra.mail.MessageBlobReferenceSource;
import org.apache.james.mailbox.cassandra.mail.eventsourcing.acl.ACLModule;
import org.apache.james.mailbox.cassandra.modules.CassandraAclModule;
import org.apache.james.mailbox.cassandra.modules.CassandraAnnotationModule;
import org.apache.james.mailbox.cassandra.modules.CassandraApplicableFlagsModule;
import org.apache.james.mailbox.cassandra.modules.CassandraAttachmentModule;
import org.apache.james.mailbox.cassandra.modules.CassandraDeletedMessageModule;
import org.apache.james.mailbox.cassandra.modules.CassandraFirstUnseenModule;
import org.apache.james.mailbox.cassandra.modules.CassandraMailboxCounterModule;
import org.apache.james.mailbox.cassandra.modules.CassandraMailboxRecentsModule;
import org.apache.james.mailbox.cassandra.modules.CassandraMessageModule;
import org.apache.james.mailbox.cassandra.modules.CassandraModSeqModule;
import org.apache.james.mailbox.cassandra.modules.CassandraQuotaModule;
import org.apache.james.mailbox.cassandra.modules.CassandraSubscriptionModule;
import org.apache.james.mailbox.cassandra.modules.CassandraThreadModule;
import org.apache.james.mailbox.cassandra.modules.CassandraUidModule;
import org.apache.james.mailbox.cassandra.quota.CassandraCurrentQuotaManager;
import org.apache.james.mailbox.cassandra.quota.CassandraPerUserMaxQuotaManager;
import org.apache.james.mailbox.model.MailboxId;
import org.apache.james.mailbox.model.MessageId;
import org.apache.james.mailbox.quota.CurrentQuotaManager;
import org.apache.james.mailbox.quota.MaxQuotaManager;
import org.apache.james.mailbox.quota.QuotaManager;
import org.apache.james.mailbox.quota.QuotaRootDeserializer;
import org.apache.james.mailbox.quota.QuotaRootResolver;
import org.apache.james.mailbox.quota.UserQuotaRootResolver;
import org.apache.james.mailbox.store.MailboxSessionMapperFactory;
import org.apache.james.mailbox.store.NoMailboxPathLocker;
import org.apache.james.mailbox.store.SessionProviderImpl;
import org.apache.james.mailbox.store.StoreAttachmentManager;
import org.apache.james.mailbox.store.StoreMailboxManager;
import org.apache.james.mailbox.store.StoreMessageIdManager;
import org.apache.james.mailbox.store.StoreRightManager;
import org.apache.james.mailbox.store.StoreSubscriptionManager;
import org.apache.james.mailbox.store.event.MailboxAnnotationListener;
import org.apache.james.mailbox.store.mail.AttachmentMapperFactory;
import org.apache.james.mailbox.store.mail.MailboxMapperFactory;
import org.apache.james.mailbox.store.mail.MessageMapperFactory;
import org.apache.james.mailbox.store.mail.ModSeqProvider;
import org.apache.james.mailbox.store.mail.ThreadIdGuessingAlgorithm;
import org.apache.james.mailbox.store.mail.UidProvider;
import org.apache.james.mailbox.store.quota.DefaultUserQuotaRootResolver;
import org.apache.james.mailbox.store.quota.ListeningCurrentQuotaUpdater;
import org.apache.james.mailbox.store.quota.QuotaUpdater;
import org.apache.james.mailbox.store.quota.StoreQuotaManager;
import org.apache.james.modules.mailbox.DefaultEventModule;
import org.apache.james.quota.search.QuotaSearcher;
import org.apache.james.quota.search.scanning.ScanningQuotaSearcher;
import org.apache.james.user.api.UsernameChangeTaskStep;
import org.apache.james.utils.MailboxManagerDefinition;

import com.datastax.oss.driver.api.core.CqlSession;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.name.Names;

/**
 * Mailboxes, messages, flags, ACLs, subscriptions, threads and quotas stored in Cassandra: everything an
 * IMAP or POP3 client reads. Message bodies go to the blob store ({@link CassandraBlobStorageModule}).
 *
 * <p>Search is not wired here: the search index (and its ReIndexer) comes from
 * {@code dev.mailserver.search.OpenSearchSearchModule}.
 */
public class CassandraMailboxStorageModule extends AbstractModule {
    @Override
    protected void configure() {
        install(new DefaultEventModule());

        bindMailboxManager();
        bindMappers();
        bindQuotas();

        Multibinder<CassandraModule> tables = Multibinder.newSetBinder(binder(), CassandraModule.class);
        tables.addBinding().toInstance(CassandraAclModule.MODULE);
        tables.addBinding().toInstance(CassandraAttachmentModule.MODULE);
        tables.addBinding().toInstance(org.apache.james.mailbox.cassandra.modules.CassandraMailboxModule.MODULE);
        tables.addBinding().toInstance(CassandraMessageModule.MODULE);
        tables.addBinding().toInstance(CassandraMailboxCounterModule.MODULE);
        tables.addBinding().toInstance(CassandraAnnotationModule.MODULE);
        tables.addBinding().toInstance(CassandraApplicableFlagsModule.MODULE);
        tables.addBinding().toInstance(CassandraDeletedMessageModule.MODULE);
        tables.addBinding().toInstance(CassandraFirstUnseenModule.MODULE);
        tables.addBinding().toInstance(CassandraMailboxRecentsModule.MODULE);
        tables.addBinding().toInstance(CassandraModSeqModule.MODULE);
        tables.addBinding().toInstance(CassandraSubscriptionModule.MODULE);
        tables.addBinding().toInstance(CassandraUidModule.MODULE);
        tables.addBinding().toInstance(CassandraThreadModule.MODULE);
        tables.addBinding().toInstance(CassandraQuotaModule.MODULE);

        Multibinder.newSetBinder(binder(), MailboxManagerDefinition.class).addBinding().to(CassandraMailboxManagerDefinition.class);
        Multibinder.newSetBinder(binder(), EventListener.GroupEventListener.class)
            .addBinding().to(MailboxAnnotationListener.class);
        Multibinder<EventListener.ReactiveGroupEventListener> reactiveListeners =
            Multibinder.newSetBinder(binder(), EventListener.ReactiveGroupEventListener.class);
        // Deletes blobs and metadata of expunged messages once no mailbox references them.
        reactiveListeners.addBinding().to(DeleteMessageListener.class);
        reactiveListeners.addBinding().to(ListeningCurrentQuotaUpdater.class);
        Multibinder.newSetBinder(binder(), DeleteMessageListener.DeletionCallback.class);

        Multibinder<BlobReferenceSource> blobReferences = Multibinder.newSetBinder(binder(), BlobReferenceSource.class);
        blobReferences.addBinding().to(AttachmentBlobReferenceSource.class);
        blobReferences.addBinding().to(MessageBlobReferenceSource.class);

        Multibinder<UsernameChangeTaskStep> usernameChangeSteps = Multibinder.newSetBinder(binder(), UsernameChangeTaskStep.class);
        usernameChangeSteps.addBinding().to(MailboxUsernameChangeTaskStep.class);
        usernameChangeSteps.addBinding().to(ACLUsernameChangeTaskStep.class);
        usernameChangeSteps.addBinding().to(QuotaUsernameChangeTaskStep.class);
    }

    private void bindMailboxManager() {
        bind(CassandraMailboxManager.class).in(Scopes.SINGLETON);
        bind(MailboxManager.class).to(CassandraMailboxManager.class);
        bind(StoreMailboxManager.class).to(CassandraMailboxManager.class);
        bind(MailboxManager.class).annotatedWith(Names.named(MAILBOXMANAGER_NAME)).to(MailboxManager.class);

        bind(StoreSubscriptionManager.class).in(Scopes.SINGLETON);
        bind(SubscriptionManager.class).to(StoreSubscriptionManager.class);
        bind(StoreAttachmentManager.class).in(Scopes.SINGLETON);
        bind(AttachmentManager.class).to(StoreAttachmentManager.class);
        bind(AttachmentContentLoader.class).to(AttachmentManager.class);
        bind(StoreMessageIdManager.class).in(Scopes.SINGLETON);
        bind(MessageIdManager.class).to(StoreMessageIdManager.class);
        bind(StoreRightManager.class).in(Scopes.SINGLETON);
        bind(RightManager.class).to(StoreRightManager.class);
        bind(SessionProviderImpl.class).in(Scopes.SINGLETON);
        bind(SessionProvider.class).to(SessionProviderImpl.class);
        bind(UserRepositoryAuthenticator.class).in(Scopes.SINGLETON);
        bind(Authenticator.class).to(UserRepositoryAuthenticator.class);
        // Cassandra's lightweight transactions already serialise concurrent writers across nodes.
        bind(NoMailboxPathLocker.class).in(Scopes.SINGLETON);
        bind(MailboxPathLocker.class).to(NoMailboxPathLocker.class);

        bind(CassandraId.Factory.class).in(Scopes.SINGLETON);
        bind(MailboxId.Factory.class).to(CassandraId.Factory.class);
        bind(CassandraMessageId.Factory.class).in(Scopes.SINGLETON);
        bind(MessageId.Factory.class).to(CassandraMessageId.Factory.class);
        bind(CassandraThreadIdGuessingAlgorithm.class).in(Scopes.SINGLETON);
        bind(ThreadIdGuessingAlgorithm.class).to(CassandraThreadIdGuessingAlgorithm.class);
    }

    private void bindMappers() {
        bind(CassandraMailboxSessionMapperFactory.class).in(Scopes.SINGLETON);
        bind(MailboxSessionMapperFactory.class).to(CassandraMailboxSessionMapperFactory.class);
        bind(MessageMapperFactory.class).to(CassandraMailboxSessionMapperFactory.class);
        bind(MailboxMapperFactory.class).to(CassandraMailboxSessionMapperFactory.class);
        bind(AttachmentMapperFactory.class).to(CassandraMailboxSessionMapperFactory.class);
        bind(org.apache.james.mailbox.store.user.SubscriptionMapperFactory.class).to(CassandraMailboxSessionMapperFactory.class);
        bind(CassandraModSeqProvider.class).in(Scopes.SINGLETON);
        bind(ModSeqProvider.class).to(CassandraModSeqProvider.class);
        bind(CassandraUidProvider.class).in(Scopes.SINGLETON);
        bind(UidProvider.class).to(CassandraUidProvider.class);
        bind(ACLMapper.class).to(CassandraACLMapper.class);
    }

    private void bindQuotas() {
        bind(CassandraCurrentQuotaManager.class).in(Scopes.SINGLETON);
        bind(CurrentQuotaManager.class).to(CassandraCurrentQuotaManager.class);
        bind(CassandraPerUserMaxQuotaManager.class).in(Scopes.SINGLETON);
        bind(MaxQuotaManager.class).to(CassandraPerUserMaxQuotaManager.class);
        bind(StoreQuotaManager.class).in(Scopes.SINGLETON);
        bind(QuotaManager.class).to(StoreQuotaManager.class);
        bind(DefaultUserQuotaRootResolver.class).in(Scopes.SINGLETON);
        bind(QuotaRootResolver.class).to(DefaultUserQuotaRootResolver.class);
        bind(QuotaRootDeserializer.class).to(DefaultUserQuotaRootResolver.class);
        bind(UserQuotaRootResolver.class).to(DefaultUserQuotaRootResolver.class);
        bind(ScanningQuotaSearcher.class).in(Scopes.SINGLETON);
        bind(QuotaSearcher.class).to(ScanningQuotaSearcher.class);
        bind(ListeningCurrentQuotaUpdater.class).in(Scopes.SINGLETON);
        bind(QuotaUpdater.class).to(ListeningCurrentQuotaUpdater.class);
    }

    /**
     * ACLs are event-sourced; their events live in the shared event store table, serialised with the
     * ACL DTO only.
     */
    @Provides
    @Singleton
    CassandraACLMapper aclMapper(CassandraACLMapper.StoreV1 legacyStore,
                                 CassandraUserMailboxRightsDAO userMailboxRights,
                                 CassandraACLDAOV2 aclDao,
                                 CqlSession session,
                                 CassandraSchemaVersionManager schemaVersions,
                                 CassandraConfiguration configuration) {
        CassandraEventStore aclEvents = new CassandraEventStore(
            new EventStoreDao(session, JsonEventSerializer.forModules(ACLModule.ACL_UPDATE).withoutNestedType()));
        return new CassandraACLMapper(legacyStore,
            new CassandraACLMapper.StoreV2(userMailboxRights, aclDao, aclEvents),
            schemaVersions, configuration);
    }

    @Singleton
    private static class CassandraMailboxManagerDefinition extends MailboxManagerDefinition {
        @Inject
        private CassandraMailboxManagerDefinition(CassandraMailboxManager manager) {
            super("cassandra-mailboxmanager", manager);
        }
    }
}
