import factory

from crm.models import Channel, Contact, Identity, Tenant


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.Sequence(lambda n: f"Tenant {n}")
    mode = "omnichannel"
    experiment_salt = factory.Sequence(lambda n: f"salt{n}")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    tenant = factory.SubFactory(TenantFactory)
    kind = "email"
    name = factory.LazyAttribute(lambda o: f"{o.kind} channel")
    provider = "console"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Faker("name")


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    tenant = factory.SelfAttribute("contact.tenant")
    contact = factory.SubFactory(ContactFactory)
    kind = "email"
    address = factory.Sequence(lambda n: f"customer{n}@example.com")
