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
                .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS) // has(), all(), exists(), map(), filter()
                .addFunctionDeclarations(FUNCTIONS.declarations());
        columns.forEach(builder::addVar);
        CelCompiler compiler = builder.build();
        CelValidationResult result = compiler.compile(expression);
        if (result.hasError()) {
            // 'cond ? null : x' is what users write (SQL's CASE); CEL only accepts it with null as dyn(null)
            String nullAsDyn = nullAsDyn(expression);
            if (!nullAsDyn.equals(expression)) {
                CelValidationResult retried = compiler.compile(nullAsDyn);
                if (!retried.hasError()) {
                    result = retried;
                }
            }
        }
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

    /** The expression with every {@code null} literal (outside string literals) written as {@code dyn(null)}. */
    static String nullAsDyn(String expression) {
        StringBuilder out = new StringBuilder(expression.length() + 16);
        int i = 0;
        while (i < expression.length()) {
            char c = expression.charAt(i);
            if (c == '\'' || c == '"') {
                int end = i + 1;
                while (end < expression.length() && expression.charAt(end) != c) {
                    end += expression.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end + 1, expression.length());
                out.append(expression, i, end);
                i = end;
            } else if (Character.isJavaIdentifierStart(c)) {
                int end = i + 1;
                while (end < expression.length() && Character.isJavaIdentifierPart(expression.charAt(end))) {
                    end++;
                }
                String word = expression.substring(i, end);
                boolean member = i > 0 && expression.charAt(i - 1) == '.';
                out.append(word.equals("null") && !member ? "dyn(null)" : word);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
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
