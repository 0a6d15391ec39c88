package dev.shiftlog.schemas.rows;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.List;
import java.util.Map;

/**
 * A CEL expression over the source columns, compiled and type-checked once; evaluation is pure and thread-safe.
 * CEL is non-Turing-complete and side-effect free, so a spec cannot hang or harm the pipeline. Available: the CEL
 * standard library, its string, regex, optional and list extensions, and {@link MigrationFunctions}.
 */
public final class ColumnExpression {
    private static final MigrationFunctions FUNCTIONS = new MigrationFunctions();
    /** Immutable and thread-safe once built; shared so each expression does not rebuild the function tables. */
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
            .addLibraries(CelExtensions.strings(), CelExtensions.regex(), CelExtensions.optional(), CelExtensions.lists())
            .addFunctionBindings(FUNCTIONS.bindings())
            .build();

    private final String source;
    private final CelType resultType;
    private final CelRuntime.Program program;

    private ColumnExpression(String source, CelType resultType, CelRuntime.Program program) {
        this.source = source;
        this.resultType = resultType;
        this.program = program;
    }

    /**
     * @param columns the source columns visible to the expression, with their CEL types
     * @throws ExpressionException with every compiler message when the expression does not parse or type-check
     */
    public static ColumnExpression compile(String expression, Map<String, CelType> columns) {
        CelCompilerBuilder builder = CelCompilerFactory.standardCelCompilerBuilder()
                .addLibraries(CelExtensions.strings(), CelExtensions.regex(), CelExtensions.optional(), CelExtensions.lists())
                .addFunctionDeclarations(FUNCTIONS.declarations());
        columns.forEach(builder::addVar);
        CelCompiler compiler = builder.build();
        CelValidationResult result = compiler.compile(expression);
        if (result.hasError()) {
            List<String> messages = result.getErrors().stream().map(CelIssue::getMessage).toList();
            throw new ExpressionException(String.join("; ", messages));
        }
        try {
            CelAbstractSyntaxTree ast = result.getAst();
            return new ColumnExpression(expression, ast.getResultType(), RUNTIME.createProgram(ast));
        } catch (Exception e) {
            throw new ExpressionException(e.getMessage());
        }
    }

    public CelType resultType() {
        return resultType;
    }

    public Object evaluate(Map<String, ?> columns) {
        try {
            return program.eval(columns);
        } catch (CelEvaluationException e) {
            throw new ExpressionException("'" + source + "' failed: " + e.getMessage());
        }
    }

    /** An expression that does not compile or could not be evaluated for a row. */
    public static final class ExpressionException extends RuntimeException {
        public ExpressionException(String message) {
            super(message);
        }
    }
}
