package dev.gatehouse;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget.MethodCallTarget;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * The layering of DESIGN.md and STYLE.md as executable rules, over the production classes only. A rule that fails names
 * the offending class and line; fix the code, or change the rule here together with the reason in the commit.
 */
@AnalyzeClasses(packages = "dev.gatehouse", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    static final String ROOT = "dev.gatehouse";
    static final String PLATFORM = ROOT + ".platform";

    /** Features are every top-level package under dev.gatehouse except platform, plus the root's App and Main. */
    static final DescribedPredicate<JavaClass> FEATURE_CODE =
            DescribedPredicate.describe("are feature code (dev.gatehouse.* other than platform, and App, Main)", c -> {
                String pkg = c.getPackageName();
                return pkg.equals(ROOT) || (pkg.startsWith(ROOT + ".") && !inPlatform(c));
            });

    static final DescribedPredicate<JavaClass> FEATURE_PACKAGES = DescribedPredicate.describe(
            "reside in a feature package", c -> c.getPackageName().startsWith(ROOT + ".") && !inPlatform(c));

    /** A class is part of a *Routes class when it is one or is nested in one (lambdas, records, anonymous classes). */
    static final DescribedPredicate<JavaClass> PART_OF_ROUTES = DescribedPredicate.describe(
            "are part of a *Routes class", c -> topLevel(c).getSimpleName().endsWith("Routes"));

    /** Stores (XStore, JdbiXStore) and the types nested in them (rows, claim results). */
    static final DescribedPredicate<JavaClass> PART_OF_A_STORE = DescribedPredicate.describe(
            "are part of a *Store class", c -> topLevel(c).getSimpleName().endsWith("Store"));

    /**
     * The composition root: {@link App} and the parts of its wiring beside it ({@code dev.gatehouse.*Wiring}), the only
     * code that builds a feature's store with {@code new}.
     */
    static final DescribedPredicate<JavaClass> COMPOSITION_ROOT =
            DescribedPredicate.describe("the composition root (App and the *Wiring classes beside it)", c -> {
                JavaClass t = topLevel(c);
                return t.getPackageName().equals(ROOT)
                        && (t.isEquivalentTo(App.class) || t.getSimpleName().endsWith("Wiring"));
            });

    static boolean inPlatform(JavaClass c) {
        return c.getPackageName().equals(PLATFORM) || c.getPackageName().startsWith(PLATFORM + ".");
    }

    static JavaClass topLevel(JavaClass c) {
        JavaClass t = c;
        while (t.getEnclosingClass().isPresent()) t = t.getEnclosingClass().get();
        return t;
    }

    static DescribedPredicate<JavaCall<?>> callTo(Class<?> owner, String method) {
        return DescribedPredicate.describe(owner.getSimpleName() + "." + method + "()", call -> {
            var target = call.getTarget();
            return target instanceof MethodCallTarget
                    && target.getOwner().isEquivalentTo(owner)
                    && target.getName().equals(method);
        });
    }

    // Convention 1: platform holds plumbing only and must build without any feature.
    @ArchTest
    static final ArchRule platformDependsOnNoFeature = noClasses()
            .that()
            .resideInAPackage(PLATFORM + "..")
            .should()
            .dependOnClassesThat(FEATURE_CODE)
            .because("platform/ holds no feature logic and imports no feature (STYLE.md convention 1)");

    // Convention 1 and 6: other features call a feature's service, never its store. The composition root (App and its
    // wiring parts) only wires it with `new`.
    @ArchTest
    static final ArchRule storesAreUsedOnlyInTheirOwnPackage = classes()
            .that(PART_OF_A_STORE)
            .should(beAccessedOnlyFromTheirOwnPackageOr(COMPOSITION_ROOT))
            .because("other features call a feature's service, never its store (STYLE.md convention 1)");

    // Convention 3: Javalin's Context never goes below a *Routes class.
    @ArchTest
    static final ArchRule javalinStaysInRoutesAndPlatformHttp = noClasses()
            .that(not(PART_OF_ROUTES))
            .and(not(resideInAPackage(PLATFORM + ".http..")))
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.javalin..")
            .because("routes are thin and hold the only Javalin imports (STYLE.md convention 3)");

    // Convention 2: no global config; the environment is read once, at the edge, and passed down as Config.
    @ArchTest
    static final ArchRule environmentIsReadOnlyByMainAndConfig = noClasses()
            .that()
            .doNotBelongToAnyOf(Main.class)
            .and()
            .resideOutsideOfPackage(PLATFORM + ".config..")
            .should()
            .callMethodWhere(callTo(System.class, "getenv"))
            .because("configuration comes from Config, built once from the environment (STYLE.md convention 2)");

    // Convention 10: features take time from the injected Clock, so tests move the clock instead of sleeping.
    @ArchTest
    static final ArchRule featuresTakeTimeFromTheInjectedClock = noClasses()
            .that(FEATURE_PACKAGES)
            .should()
            .callMethodWhere(callTo(java.time.Instant.class, "now"))
            .orShould()
            .callMethodWhere(callTo(System.class, "currentTimeMillis"))
            .because("time is injected as a Clock (STYLE.md convention 10)");

    // Convention 2: no statics holding state. A static that can be reassigned is global mutable state.
    @ArchTest
    static final ArchRule noReassignableStatics = fields().that()
            .areStatic()
            .should()
            .haveModifier(JavaModifier.FINAL)
            .because("no statics holding state (STYLE.md convention 2)");

    static ArchCondition<JavaClass> beAccessedOnlyFromTheirOwnPackageOr(DescribedPredicate<JavaClass> compositionRoot) {
        return new ArchCondition<>("be accessed only from their own package or " + compositionRoot.getDescription()) {
            @Override
            public void check(JavaClass store, ConditionEvents events) {
                for (Dependency d : store.getDirectDependenciesToSelf()) {
                    JavaClass origin = d.getOriginClass();
                    boolean allowed =
                            origin.getPackageName().equals(store.getPackageName()) || compositionRoot.test(origin);
                    if (!allowed) events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                }
            }
        };
    }
}
